{#- One row per customer: its health score as of the run, 0 to 100, the weighted sum
    of five component scores (weights in the seed health_components) rounded half-up
    to an integer, with the components, time to first value and the at-risk flags
    (metrics.md, Customer health). "The last 30 days" are the 30 UTC days before the
    as-of date, "the 30 before" the 30 days before those.
    - usage trend: r = requests last 30 / the 30 before; clamp(50 + 50 x (r - 1), 0,
      100) = min(50 r, 100); 100 when only the last 30 have requests; 0 when neither;
    - active days: 100 x active days in the last 30 / 30;
    - breadth: 100 x min(distinct endpoints in the last 30 / 5, 1);
    - errors: 100 x (1 - min(error rate in the last 30 / 0.10, 1)); 0 without requests;
    - time to first value: UTC calendar days from the sign-up date to the first UTC day
      (on or after it) with 100 requests below status 400: 100 at 3 days or less, 0
      at 30 or more or never, linear between.
    Every component is a fraction of whole numbers; the score sums them exactly
    (growth_weighted_score_half_up), so an exact half always rounds up.
    At risk: score below 40; requests in the last 30 days under half of the 30
    before; the last 7 days' daily average above 3 x the daily average of the 30
    days before them (only when that average is above zero). -#}

with customers as (
    select * from {{ ref('int_customers') }}
),

request_days as (
    select * from {{ ref('int_request_endpoint_days') }}
),

components as (
    select * from {{ ref('health_components') }}
),

weights as (
    select
        max(case when components.component_name = 'usage_trend' then components.weight end) as usage_trend_weight,
        max(case when components.component_name = 'active_days' then components.weight end) as active_days_weight,
        max(case when components.component_name = 'breadth' then components.weight end) as breadth_weight,
        max(case when components.component_name = 'errors' then components.weight end) as errors_weight,
        max(case when components.component_name = 'time_to_first_value' then components.weight end)
            as time_to_first_value_weight
    from components
),

settings as (
    select
        cast({{ as_of() }} as date) as as_of_date,
        {{ growth_setting('health_window_days', 'integer') }} as window_days,
        {{ growth_setting('breadth_full_score_endpoints', 'integer') }} as full_breadth_endpoints,
        {{ growth_setting('errors_zero_score_rate', 'decimal(38, 4)') }} as errors_zero_score_rate,
        {{ growth_setting('first_value_request_count', 'integer') }} as first_value_request_count,
        {{ growth_setting('first_value_full_score_days', 'integer') }} as first_value_full_score_days,
        {{ growth_setting('first_value_zero_score_days', 'integer') }} as first_value_zero_score_days,
        {{ growth_setting('at_risk_score_below', 'integer') }} as at_risk_score_below,
        {{ growth_setting('at_risk_drop_ratio', 'decimal(38, 4)') }} as at_risk_drop_ratio,
        {{ growth_setting('at_risk_spike_ratio', 'decimal(38, 4)') }} as at_risk_spike_ratio,
        {{ growth_setting('spike_recent_days', 'integer') }} as spike_recent_days,
        {{ growth_setting('spike_baseline_days', 'integer') }} as spike_baseline_days
),

-- days before the as-of date: 1 = yesterday
aged_days as (
    select
        request_days.*,
        {{ dbt.datediff('request_days.request_date', 'settings.as_of_date', 'day') }} as days_ago
    from request_days
    cross join settings
),

day_totals as (
    select
        aged_days.customer_id,
        aged_days.request_date,
        aged_days.days_ago,
        sum(aged_days.request_count) as request_count,
        sum(aged_days.error_request_count) as error_request_count
    from aged_days
    group by aged_days.customer_id, aged_days.request_date, aged_days.days_ago
),

windows as (
    select
        day_totals.customer_id,
        sum(case when day_totals.days_ago between 1 and settings.window_days then day_totals.request_count else 0 end)
            as requests_last_window,
        sum(
            case
                when day_totals.days_ago between settings.window_days + 1 and 2 * settings.window_days
                    then day_totals.request_count
                else 0
            end
        ) as requests_previous_window,
        sum(case when day_totals.days_ago between 1 and settings.window_days then day_totals.error_request_count else 0 end)
            as error_requests_last_window,
        sum(case when day_totals.days_ago between 1 and settings.window_days then 1 else 0 end)
            as active_days_last_window,
        sum(case when day_totals.days_ago between 1 and settings.spike_recent_days then day_totals.request_count else 0 end)
            as requests_spike_recent,
        sum(
            case
                when day_totals.days_ago between settings.spike_recent_days + 1
                    and settings.spike_recent_days + settings.spike_baseline_days
                    then day_totals.request_count
                else 0
            end
        ) as requests_spike_baseline
    from day_totals
    cross join settings
    group by day_totals.customer_id
),

endpoints as (
    select
        aged_days.customer_id,
        count(distinct aged_days.endpoint) as distinct_endpoints_last_window
    from aged_days
    cross join settings
    where aged_days.days_ago between 1 and settings.window_days
    group by aged_days.customer_id
),

first_value_days as (
    select
        day_totals.customer_id,
        min(day_totals.request_date) as first_value_date
    from day_totals
    inner join customers
        on day_totals.customer_id = customers.customer_id
    cross join settings
    where day_totals.request_count - day_totals.error_request_count >= settings.first_value_request_count
        and day_totals.request_date >= cast(customers.signed_up_at as date)
    group by day_totals.customer_id
),

measured as (
    select
        customers.customer_id,
        customers.acquisition_channel,
        customers.signed_up_at,
        settings.*,
        cast(coalesce(windows.requests_last_window, 0) as bigint) as requests_last_window,
        cast(coalesce(windows.requests_previous_window, 0) as bigint) as requests_previous_window,
        cast(coalesce(windows.error_requests_last_window, 0) as bigint) as error_requests_last_window,
        cast(coalesce(windows.active_days_last_window, 0) as bigint) as active_days_last_window,
        cast(coalesce(endpoints.distinct_endpoints_last_window, 0) as bigint) as distinct_endpoints_last_window,
        cast(coalesce(windows.requests_spike_recent, 0) as bigint) as requests_spike_recent,
        cast(coalesce(windows.requests_spike_baseline, 0) as bigint) as requests_spike_baseline,
        first_value_days.first_value_date,
        {{ dbt.datediff('cast(customers.signed_up_at as date)', 'first_value_days.first_value_date', 'day') }}
            as time_to_first_value_days,
        -- the error-rate bound as a whole number of 1/10,000ths
        cast(settings.errors_zero_score_rate * 10000 as bigint) as errors_zero_score_rate_bp
    from customers
    cross join settings
    left join windows
        on customers.customer_id = windows.customer_id
    left join endpoints
        on customers.customer_id = endpoints.customer_id
    left join first_value_days
        on customers.customer_id = first_value_days.customer_id
),

-- each component score as a fraction numerator / denominator of whole numbers
fractions as (
    select
        measured.*,
        case
            when measured.requests_previous_window = 0 and measured.requests_last_window = 0 then 0
            when measured.requests_previous_window = 0 then 100
            when 50 * measured.requests_last_window > 100 * measured.requests_previous_window then 100
            else 50 * measured.requests_last_window
        end as usage_trend_numerator,
        case
            when measured.requests_previous_window = 0 then 1
            when 50 * measured.requests_last_window > 100 * measured.requests_previous_window then 1
            else measured.requests_previous_window
        end as usage_trend_denominator,
        100 * measured.active_days_last_window as active_days_numerator,
        measured.window_days as active_days_denominator,
        100 * (
            case
                when measured.distinct_endpoints_last_window < measured.full_breadth_endpoints
                    then measured.distinct_endpoints_last_window
                else measured.full_breadth_endpoints
            end
        ) as breadth_numerator,
        measured.full_breadth_endpoints as breadth_denominator,
        -- 100 x (1 - min(errors / (requests x bound), 1)), in 1/10,000ths of the bound
        case
            when measured.requests_last_window = 0 then 0
            when 10000 * measured.error_requests_last_window
                >= measured.requests_last_window * measured.errors_zero_score_rate_bp then 0
            else 100 * (
                measured.requests_last_window * measured.errors_zero_score_rate_bp
                - 10000 * measured.error_requests_last_window
            )
        end as errors_numerator,
        case
            when measured.requests_last_window = 0 then 1
            else measured.requests_last_window * measured.errors_zero_score_rate_bp
        end as errors_denominator,
        case
            when measured.time_to_first_value_days is null then 0
            when measured.time_to_first_value_days >= measured.first_value_zero_score_days then 0
            when measured.time_to_first_value_days <= measured.first_value_full_score_days then 100
            else 100 * (measured.first_value_zero_score_days - measured.time_to_first_value_days)
        end as time_to_first_value_numerator,
        case
            when measured.time_to_first_value_days is null then 1
            when measured.time_to_first_value_days >= measured.first_value_zero_score_days then 1
            when measured.time_to_first_value_days <= measured.first_value_full_score_days then 1
            else measured.first_value_zero_score_days - measured.first_value_full_score_days
        end as time_to_first_value_denominator
    from measured
),

scored as (
    select
        fractions.*,
        weights.*,
        {{ growth_weighted_score_half_up([
            {'weight': 'weights.usage_trend_weight', 'numerator': 'fractions.usage_trend_numerator', 'denominator': 'fractions.usage_trend_denominator'},
            {'weight': 'weights.active_days_weight', 'numerator': 'fractions.active_days_numerator', 'denominator': 'fractions.active_days_denominator'},
            {'weight': 'weights.breadth_weight', 'numerator': 'fractions.breadth_numerator', 'denominator': 'fractions.breadth_denominator'},
            {'weight': 'weights.errors_weight', 'numerator': 'fractions.errors_numerator', 'denominator': 'fractions.errors_denominator'},
            {'weight': 'weights.time_to_first_value_weight', 'numerator': 'fractions.time_to_first_value_numerator', 'denominator': 'fractions.time_to_first_value_denominator'},
        ]) }} as health_score
    from fractions
    cross join weights
),

final as (
    select
        -- keys
        scored.customer_id,

        -- the score
        scored.health_score,
        scored.acquisition_channel,
        scored.signed_up_at,

        -- components (0-100, exact to 18 decimals) and their weights
        {{ exact_ratio(1, 'scored.usage_trend_numerator', 'scored.usage_trend_denominator') }} as usage_trend_score,
        cast(scored.usage_trend_weight as decimal(9, 4)) as usage_trend_weight,
        {{ exact_ratio(1, 'scored.active_days_numerator', 'scored.active_days_denominator') }} as active_days_score,
        cast(scored.active_days_weight as decimal(9, 4)) as active_days_weight,
        {{ exact_ratio(1, 'scored.breadth_numerator', 'scored.breadth_denominator') }} as breadth_score,
        cast(scored.breadth_weight as decimal(9, 4)) as breadth_weight,
        {{ exact_ratio(1, 'scored.errors_numerator', 'scored.errors_denominator') }} as errors_score,
        cast(scored.errors_weight as decimal(9, 4)) as errors_weight,
        {{ exact_ratio(1, 'scored.time_to_first_value_numerator', 'scored.time_to_first_value_denominator') }}
            as time_to_first_value_score,
        cast(scored.time_to_first_value_weight as decimal(9, 4)) as time_to_first_value_weight,

        -- the inputs
        scored.requests_last_window as requests_last_30_days,
        scored.requests_previous_window as requests_previous_30_days,
        scored.active_days_last_window as active_days_last_30_days,
        scored.distinct_endpoints_last_window as distinct_endpoints_last_30_days,
        scored.error_requests_last_window as error_requests_last_30_days,
        case
            when scored.requests_last_window > 0
                then {{ exact_ratio(1, 'scored.error_requests_last_window', 'scored.requests_last_window') }}
        end as error_rate_last_30_days,
        scored.first_value_date,
        cast(scored.time_to_first_value_days as integer) as time_to_first_value_days,
        scored.requests_spike_recent as requests_last_7_days,
        scored.requests_spike_baseline as requests_spike_baseline_30_days,

        -- at-risk flags
        scored.health_score < scored.at_risk_score_below as is_at_risk_low_score,
        scored.requests_last_window < scored.requests_previous_window * scored.at_risk_drop_ratio
            as is_at_risk_usage_drop,
        -- last 7 days' daily average > 3 x the baseline's: recent x baseline_days > 3 x baseline x recent_days
        scored.requests_spike_baseline > 0
        and scored.requests_spike_recent * scored.spike_baseline_days
        > scored.at_risk_spike_ratio * scored.requests_spike_baseline * scored.spike_recent_days
            as is_at_risk_usage_spike,

        -- lineage
        {{ as_of() }} as scored_at
    from scored
)

select * from final
