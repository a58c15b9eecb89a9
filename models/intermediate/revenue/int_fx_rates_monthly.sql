{#- One row per currency and calendar month (UTC) from the FX seed's first month
    through the later of its last month and the as-of month: the rate to USD used for
    that month (metrics.md: totals across currencies and retention ratios use the
    monthly FX seed, each month at its own rate). A month the seed does not list
    takes the latest earlier rate (carried forward, flagged). -#}

{%- set max_months = 1200 -%}  {#- 100 years of months -#}

with rates as (
    select * from {{ ref('fx_rates_monthly') }}
),

bounds as (
    select
        min(cast(rates.fx_month as date)) as first_month,
        greatest(max(cast(rates.fx_month as date)), {{ revenue_as_of_month() }}) as last_month
    from rates
),

month_offsets as (
    select cast(generated_number - 1 as integer) as month_offset
    from ({{ dbt.generate_series(max_months) }}) as series
),

months as (
    select cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date) as fx_month
    from bounds
    cross join month_offsets
    where {{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} <= bounds.last_month
),

currencies as (
    select distinct rates.currency from rates
),

candidates as (
    select
        months.fx_month,
        currencies.currency,
        cast(rates.fx_month as date) as source_fx_month,
        rates.rate_to_usd,
        rates.is_assumption,
        row_number() over (
            partition by months.fx_month, currencies.currency
            order by cast(rates.fx_month as date) desc
        ) as rate_rank
    from months
    cross join currencies
    inner join rates
        on currencies.currency = rates.currency
        and cast(rates.fx_month as date) <= months.fx_month
),

final as (
    select
        candidates.currency || '|' || cast(candidates.fx_month as {{ dbt.type_string() }}) as fx_rate_id,
        candidates.fx_month,
        candidates.currency,
        cast(candidates.rate_to_usd as decimal(18, 6)) as rate_to_usd,
        candidates.source_fx_month,
        candidates.source_fx_month <> candidates.fx_month as is_carried_forward,
        candidates.is_assumption
    from candidates
    where candidates.rate_rank = 1
)

select * from final
