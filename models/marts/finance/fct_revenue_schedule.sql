{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ delete_unfrozen_revenue(this) }}",
    )
}}

{#- The revenue schedule (metrics.md, Revenue recognition): one row per performance
    obligation and UTC service day with the revenue recognized that day, plus catch-up
    rows. Closed months are frozen like the invoice ledger (`full_refresh: false`; the
    pre-hook drops only the rows of open months, which every run recomputes):
    - a month closes once the as-of time is 5 days past its end; the first run after
      its close writes its days from all the data known then, frozen for good;
    - later, the difference between what the data now gives for the frozen months and
      what was frozen (plus earlier catch-ups) is posted per obligation as a
      `catch_up` row in the first open month, dated the as-of day (or that month's
      last day when it has ended); a posted catch-up is frozen too.
    So the frozen months never change, and every obligation's rows add up to what the
    data now gives for it. -#}

with daily as (
    select * from {{ ref('int_revenue_recognized_daily') }}
),

closing as (
    select
        {{ revenue_last_closed_month() }} as last_closed_month,
        cast({{ dbt.dateadd('month', 1, revenue_last_closed_month()) }} as date) as first_open_month,
        cast({{ as_of() }} as date) as as_of_date
),

{% if is_incremental() %}
frozen as (
    -- after the pre-hook only frozen rows remain
    select * from {{ this }}
),

frozen_horizon as (
    select max(frozen.revenue_month) as frozen_through_month
    from frozen
    where frozen.entry_type = 'service'
),
{% else %}
frozen_horizon as (
    select cast(null as date) as frozen_through_month
),
{% endif %}

service_rows as (
    -- days of the months not frozen yet: those closing now are frozen by this run
    select
        daily.obligation_id,
        daily.obligation_type,
        daily.customer_id,
        daily.subscription_id,
        daily.billing_period_id,
        daily.metric_code,
        daily.currency,
        daily.service_date,
        daily.revenue_month,
        'service' as entry_type,
        cast(null as integer) as catch_up_sequence,
        daily.recognized_amount,
        daily.revenue_month <= closing.last_closed_month as is_frozen
    from daily
    cross join closing
    cross join frozen_horizon
    where frozen_horizon.frozen_through_month is null
        or daily.revenue_month > frozen_horizon.frozen_through_month
),

{% if is_incremental() %}
computed_frozen_months as (
    select
        daily.obligation_id,
        sum(daily.recognized_amount) as recognized_amount
    from daily
    cross join frozen_horizon
    where daily.revenue_month <= frozen_horizon.frozen_through_month
    group by daily.obligation_id
),

frozen_totals as (
    -- frozen service days and every catch-up posted so far
    select
        frozen.obligation_id,
        sum(frozen.recognized_amount) as recognized_amount,
        count(case when frozen.entry_type = 'catch_up' then 1 end) as catch_up_count
    from frozen
    group by frozen.obligation_id
),

obligation_attributes as (
    select
        attributes.obligation_id,
        max(attributes.obligation_type) as obligation_type,
        max(attributes.customer_id) as customer_id,
        max(attributes.subscription_id) as subscription_id,
        max(attributes.billing_period_id) as billing_period_id,
        max(attributes.metric_code) as metric_code,
        max(attributes.currency) as currency
    from (
        select obligation_id, obligation_type, customer_id, subscription_id, billing_period_id, metric_code, currency
        from daily
        union all
        select obligation_id, obligation_type, customer_id, subscription_id, billing_period_id, metric_code, currency
        from frozen
    ) as attributes
    group by attributes.obligation_id
),

differences as (
    select
        coalesce(computed_frozen_months.obligation_id, frozen_totals.obligation_id) as obligation_id,
        coalesce(computed_frozen_months.recognized_amount, 0) - coalesce(frozen_totals.recognized_amount, 0)
            as catch_up_amount,
        coalesce(frozen_totals.catch_up_count, 0) + 1 as catch_up_sequence
    from computed_frozen_months
    full outer join frozen_totals
        on computed_frozen_months.obligation_id = frozen_totals.obligation_id
),

catch_up_rows as (
    select
        differences.obligation_id,
        obligation_attributes.obligation_type,
        obligation_attributes.customer_id,
        obligation_attributes.subscription_id,
        obligation_attributes.billing_period_id,
        obligation_attributes.metric_code,
        obligation_attributes.currency,
        -- the run's day, or the first open month's last day when that month has ended
        case
            when closing.as_of_date < cast({{ dbt.dateadd('month', 1, 'closing.first_open_month') }} as date)
                then closing.as_of_date
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'closing.first_open_month')) }} as date)
        end as service_date,
        closing.first_open_month as revenue_month,
        'catch_up' as entry_type,
        cast(differences.catch_up_sequence as integer) as catch_up_sequence,
        cast(differences.catch_up_amount as decimal(38, 9)) as recognized_amount,
        true as is_frozen
    from differences
    inner join obligation_attributes
        on differences.obligation_id = obligation_attributes.obligation_id
    cross join closing
    where differences.catch_up_amount <> 0
),
{% endif %}

new_rows as (
    select * from service_rows
    {% if is_incremental() %}
    union all
    select * from catch_up_rows
    {% endif %}
),

final as (
    select
        md5(
            new_rows.obligation_id || '|' || new_rows.entry_type || '|'
            || case
                when new_rows.entry_type = 'catch_up'
                    then cast(new_rows.catch_up_sequence as {{ dbt.type_string() }})
                else cast(new_rows.service_date as {{ dbt.type_string() }})
            end
        ) as revenue_schedule_id,
        new_rows.obligation_id,
        new_rows.obligation_type,
        new_rows.customer_id,
        new_rows.subscription_id,
        new_rows.billing_period_id,
        new_rows.metric_code,
        new_rows.currency,
        new_rows.service_date,
        new_rows.revenue_month,
        new_rows.entry_type,
        new_rows.entry_type = 'catch_up' as is_catch_up,
        new_rows.catch_up_sequence,
        new_rows.recognized_amount,
        new_rows.is_frozen,
        {{ as_of() }} as recorded_at
    from new_rows
)

select * from final
