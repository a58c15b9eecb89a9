{#- One row per retention month (UTC), cut and cut value: net and gross revenue
    retention and logo retention, trailing twelve months and monthly (metrics.md,
    Retention). Ratios are in USD through the FX seed (each month at its own rate),
    as ratios (1.05, not 105).
    - T12 (month m): customers paying in m - 12; NRR = their MRR in m / their MRR in
      m - 12 (new customers excluded); GRR caps each customer's MRR in m at its MRR
      in m - 12; logo retention = the share of them paying in m.
    - Monthly: the same against m - 1.
    - Cuts: `all`; `plan` = the plan at the end of the base month (m - 12 for T12,
      m - 1 for monthly; rpt_mrr_movements.plan_id); `segment` = the behaviour
      segment as of the run; `channel` = the acquisition channel. A cut value appears
      when it has customers in either base month. -#}

with mrr as (
    select * from {{ ref('rpt_mrr_movements') }}
),

customers as (
    select * from {{ ref('int_customers') }}
),

customer_segments as (
    {{ revenue_customer_segments() }}
),

horizons as (
    select 't12' as horizon, 12 as horizon_months
    union all
    select 'monthly' as horizon, 1 as horizon_months
),

bases as (
    -- customers paying in the base month, paired with the month they are measured in
    select
        horizons.horizon,
        base.customer_id,
        base.plan_id as base_plan_id,
        base.mrr_usd as base_mrr_usd,
        cast({{ dbt.dateadd('month', 'horizons.horizon_months', 'base.mrr_month') }} as date) as retention_month
    from mrr as base
    cross join horizons
    where base.is_paying
        and {{ dbt.dateadd('month', 'horizons.horizon_months', 'base.mrr_month') }} <= {{ revenue_as_of_month() }}
),

pairs as (
    select
        bases.*,
        coalesce(measured.mrr_usd, 0) as retained_mrr_usd,
        case
            when coalesce(measured.mrr_usd, 0) < bases.base_mrr_usd then coalesce(measured.mrr_usd, 0)
            else bases.base_mrr_usd
        end as capped_mrr_usd,
        case when coalesce(measured.is_paying, false) then 1 else 0 end as is_retained
    from bases
    left join mrr as measured
        on bases.customer_id = measured.customer_id
        and bases.retention_month = measured.mrr_month
),

cut_pairs as (
    select 'all' as dimension, 'all' as dimension_value, pairs.*
    from pairs
    union all
    select 'plan' as dimension, coalesce(pairs.base_plan_id, 'none') as dimension_value, pairs.*
    from pairs
    union all
    select 'segment' as dimension, coalesce(customer_segments.segment, 'unknown') as dimension_value, pairs.*
    from pairs
    left join customer_segments
        on pairs.customer_id = customer_segments.customer_id
    union all
    select 'channel' as dimension, coalesce(customers.acquisition_channel, 'unknown') as dimension_value, pairs.*
    from pairs
    left join customers
        on pairs.customer_id = customers.customer_id
),

aggregated as (
    select
        cut_pairs.retention_month,
        cut_pairs.dimension,
        cut_pairs.dimension_value,
        {%- for horizon in ['t12', 'monthly'] %}
        cast(count(case when cut_pairs.horizon = '{{ horizon }}' then 1 end) as bigint) as base_customers_{{ horizon }},
        cast(sum(case when cut_pairs.horizon = '{{ horizon }}' then cut_pairs.is_retained else 0 end) as bigint)
            as retained_customers_{{ horizon }},
        cast(sum(case when cut_pairs.horizon = '{{ horizon }}' then cut_pairs.base_mrr_usd else 0 end) as decimal(38, 10))
            as base_mrr_usd_{{ horizon }},
        cast(sum(case when cut_pairs.horizon = '{{ horizon }}' then cut_pairs.retained_mrr_usd else 0 end) as decimal(38, 10))
            as retained_mrr_usd_{{ horizon }},
        cast(sum(case when cut_pairs.horizon = '{{ horizon }}' then cut_pairs.capped_mrr_usd else 0 end) as decimal(38, 10))
            as capped_mrr_usd_{{ horizon }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from cut_pairs
    group by cut_pairs.retention_month, cut_pairs.dimension, cut_pairs.dimension_value
),

final as (
    select
        aggregated.retention_month,
        aggregated.dimension,
        aggregated.dimension_value,
        {{ revenue_ratio('aggregated.retained_mrr_usd_t12', 'aggregated.base_mrr_usd_t12') }} as nrr_t12,
        {{ revenue_ratio('aggregated.capped_mrr_usd_t12', 'aggregated.base_mrr_usd_t12') }} as grr_t12,
        {{ revenue_ratio('aggregated.retained_customers_t12', 'aggregated.base_customers_t12') }} as logo_retention_t12,
        {{ revenue_ratio('aggregated.retained_mrr_usd_monthly', 'aggregated.base_mrr_usd_monthly') }} as nrr_monthly,
        {{ revenue_ratio('aggregated.capped_mrr_usd_monthly', 'aggregated.base_mrr_usd_monthly') }} as grr_monthly,
        {{ revenue_ratio('aggregated.retained_customers_monthly', 'aggregated.base_customers_monthly') }}
            as logo_retention_monthly,
        aggregated.base_customers_t12,
        aggregated.retained_customers_t12,
        aggregated.base_mrr_usd_t12,
        aggregated.retained_mrr_usd_t12,
        aggregated.capped_mrr_usd_t12,
        aggregated.base_customers_monthly,
        aggregated.retained_customers_monthly,
        aggregated.base_mrr_usd_monthly,
        aggregated.retained_mrr_usd_monthly,
        aggregated.capped_mrr_usd_monthly,
        aggregated.retention_month <= {{ revenue_last_closed_month() }} as is_month_closed
    from aggregated
)

select * from final
