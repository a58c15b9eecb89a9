{#- One row per customer: its behaviour segment as of the run (metrics.md, Behaviour
    segments) with the features that placed it there. The window is the 90 UTC days
    before the as-of date (growth_settings.segment_window_days); features come from
    the accepted api.request events:
    - active-day ratio = active days / min(90, days since the sign-up date);
    - distinct endpoints; error rate (status 400 and above; a missing status is a
      success); requests per active day; endpoints per active day (the average over
      active days of that day's distinct endpoints).
    The rules are data (seed segment_rules): conditions of a group must all hold, a
    rule matches when any of its groups does, the first matching rule (rule_order)
    wins. Ratios are exact DECIMAL(38, 18) (truncated), compared with the seed's
    thresholds. -#}

with customers as (
    select * from {{ ref('int_customers') }}
),

request_days as (
    select * from {{ ref('int_request_endpoint_days') }}
),

rules as (
    select * from {{ ref('segment_rules') }}
),

bounds as (
    select
        cast({{ as_of() }} as date) as as_of_date,
        {{ growth_setting('segment_window_days', 'integer') }} as window_days
),

window_bounds as (
    select
        bounds.as_of_date,
        bounds.window_days,
        cast({{ dbt.dateadd('day', '-bounds.window_days', 'bounds.as_of_date') }} as date) as window_start_date,
        cast({{ dbt.dateadd('day', -1, 'bounds.as_of_date') }} as date) as window_end_date
    from bounds
),

window_days as (
    select request_days.*
    from request_days
    cross join window_bounds
    where request_days.request_date >= window_bounds.window_start_date
        and request_days.request_date <= window_bounds.window_end_date
),

active_days as (
    select
        window_days.customer_id,
        window_days.request_date,
        sum(window_days.request_count) as request_count,
        sum(window_days.error_request_count) as error_request_count,
        count(window_days.endpoint) as endpoint_count
    from window_days
    group by window_days.customer_id, window_days.request_date
),

activity as (
    select
        active_days.customer_id,
        cast(sum(active_days.request_count) as bigint) as request_count,
        cast(sum(active_days.error_request_count) as bigint) as error_request_count,
        cast(count(*) as bigint) as active_day_count,
        cast(sum(active_days.endpoint_count) as bigint) as endpoint_day_count
    from active_days
    group by active_days.customer_id
),

endpoints as (
    select
        window_days.customer_id,
        cast(count(distinct window_days.endpoint) as bigint) as distinct_endpoint_count
    from window_days
    group by window_days.customer_id
),

features as (
    select
        customers.customer_id,
        customers.acquisition_channel,
        customers.signed_up_at,
        window_bounds.window_start_date,
        window_bounds.window_end_date,
        {{ dbt.datediff('cast(customers.signed_up_at as date)', 'window_bounds.as_of_date', 'day') }}
            as days_since_signup,
        case
            when {{ dbt.datediff('cast(customers.signed_up_at as date)', 'window_bounds.as_of_date', 'day') }}
                < window_bounds.window_days
                then {{ dbt.datediff('cast(customers.signed_up_at as date)', 'window_bounds.as_of_date', 'day') }}
            else window_bounds.window_days
        end as ratio_denominator_days,
        coalesce(activity.request_count, 0) as request_count,
        coalesce(activity.error_request_count, 0) as error_request_count,
        coalesce(activity.active_day_count, 0) as active_day_count,
        coalesce(endpoints.distinct_endpoint_count, 0) as distinct_endpoint_count,
        coalesce(activity.endpoint_day_count, 0) as endpoint_day_count
    from customers
    cross join window_bounds
    left join activity
        on customers.customer_id = activity.customer_id
    left join endpoints
        on customers.customer_id = endpoints.customer_id
),

ratios as (
    select
        features.*,
        case
            when features.ratio_denominator_days > 0
                then {{ exact_ratio(1, 'features.active_day_count', 'features.ratio_denominator_days') }}
        end as active_day_ratio,
        case
            when features.request_count > 0
                then {{ exact_ratio(1, 'features.error_request_count', 'features.request_count') }}
        end as error_rate,
        case
            when features.active_day_count > 0
                then {{ exact_ratio(1, 'features.request_count', 'features.active_day_count') }}
        end as requests_per_active_day,
        case
            when features.active_day_count > 0
                then {{ exact_ratio(1, 'features.endpoint_day_count', 'features.active_day_count') }}
        end as endpoints_per_active_day
    from features
),

-- the features the rules may name, one row each
feature_values as (
    select
        customer_id,
        'request_count' as feature_name,
        cast(request_count as decimal(38, 18)) as feature_value
    from ratios
    union all
    select
        customer_id,
        'active_day_count' as feature_name,
        cast(active_day_count as decimal(38, 18)) as feature_value
    from ratios
    union all
    select
        customer_id,
        'distinct_endpoint_count' as feature_name,
        cast(distinct_endpoint_count as decimal(38, 18)) as feature_value
    from ratios
    union all
    select
        customer_id,
        'active_day_ratio' as feature_name,
        active_day_ratio as feature_value
    from ratios
    union all
    select
        customer_id,
        'error_rate' as feature_name,
        error_rate as feature_value
    from ratios
    union all
    select
        customer_id,
        'requests_per_active_day' as feature_name,
        requests_per_active_day as feature_value
    from ratios
    union all
    select
        customer_id,
        'endpoints_per_active_day' as feature_name,
        endpoints_per_active_day as feature_value
    from ratios
),

conditions as (
    select
        feature_values.customer_id,
        rules.rule_order,
        rules.behaviour_segment,
        rules.condition_group,
        coalesce(
            case rules.comparison
                when '>=' then feature_values.feature_value >= rules.threshold_value
                when '>' then feature_values.feature_value > rules.threshold_value
                when '<' then feature_values.feature_value < rules.threshold_value
                when '<=' then feature_values.feature_value <= rules.threshold_value
                when '=' then feature_values.feature_value = rules.threshold_value
            end,
            false
        ) as is_met
    from rules
    inner join feature_values
        on rules.feature_name = feature_values.feature_name
),

groups_met as (
    select
        conditions.customer_id,
        conditions.rule_order,
        conditions.behaviour_segment,
        conditions.condition_group,
        min(case when conditions.is_met then 1 else 0 end) = 1 as is_group_met
    from conditions
    group by
        conditions.customer_id,
        conditions.rule_order,
        conditions.behaviour_segment,
        conditions.condition_group
),

matches as (
    select
        groups_met.customer_id,
        groups_met.rule_order,
        groups_met.behaviour_segment,
        row_number() over (
            partition by groups_met.customer_id
            order by groups_met.rule_order
        ) as match_rank
    from groups_met
    where groups_met.is_group_met
),

final as (
    select
        -- keys
        ratios.customer_id,

        -- the segment
        matches.behaviour_segment,
        cast(matches.rule_order as integer) as matched_rule_order,

        -- the window
        ratios.window_start_date,
        ratios.window_end_date,
        ratios.acquisition_channel,
        ratios.signed_up_at,
        cast(ratios.days_since_signup as integer) as days_since_signup,
        cast(ratios.ratio_denominator_days as integer) as ratio_denominator_days,

        -- features
        ratios.request_count,
        ratios.error_request_count,
        ratios.active_day_count,
        ratios.distinct_endpoint_count,
        ratios.endpoint_day_count,
        ratios.active_day_ratio,
        ratios.error_rate,
        ratios.requests_per_active_day,
        ratios.endpoints_per_active_day,

        -- lineage
        {{ as_of() }} as segmented_at
    from ratios
    left join matches
        on ratios.customer_id = matches.customer_id
        and matches.match_rank = 1
)

select * from final
