{#- One row per customer, currency and calendar month (UTC) from its first billing or
    revenue through the as-of month: the roll-forward of deferred revenue (contract
    liability: billed, not yet recognized) and unbilled revenue (contract asset:
    recognized, not yet billed) (metrics.md, Revenue recognition, Balances).
    - billed: finalized invoice lines in the UTC month of their invoice's boundary
      instant (ties to fct_invoices); recognized: rpt_revenue_monthly (rounded on
      running totals, catch-ups included).
    - Each performance obligation is on one side at a time: billed ahead of its
      recognition it is deferred, recognized ahead of its billing it is unbilled (a
      base fee billed in advance is deferred; usage is unbilled until its invoice).
      Per obligation and month: billing first clears its unbilled balance, the rest is
      deferred; recognition first uses its deferred balance, the rest is unbilled.
    - Cents: per customer and obligation type, unbilled = the obligations' unbilled
      balances rounded half-up, deferred = billed to date - recognized to date
      (rounded) + unbilled; the flows then follow from the balances, so
      opening + billed - recognized = closing (deferred) and
      opening + recognized - billed = closing (unbilled) hold to the cent, and
      closing deferred - closing unbilled = billed to date - recognized to date. -#}

{%- set max_months = 1200 -%}

with schedule as (
    select * from {{ ref('fct_revenue_schedule') }}
),

revenue_monthly as (
    select * from {{ ref('rpt_revenue_monthly') }}
),

invoices as (
    select * from {{ ref('fct_invoices') }}
),

ledger_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

month_offsets as (
    select cast(generated_number - 1 as integer) as month_offset
    from ({{ dbt.generate_series(max_months) }}) as series
),

billed_lines as (
    select
        md5({{ revenue_line_obligation_key('ledger_lines') }}) as obligation_id,
        {{ revenue_line_obligation_type('ledger_lines') }} as obligation_type,
        ledger_lines.customer_id,
        ledger_lines.currency,
        cast({{ dbt.date_trunc('month', 'invoices.boundary_at') }} as date) as balance_month,
        ledger_lines.amount
    from ledger_lines
    inner join invoices
        on ledger_lines.invoice_id = invoices.invoice_id
    where invoices.status = 'finalized'
),

flows as (
    select
        billed_lines.obligation_id,
        billed_lines.obligation_type,
        billed_lines.customer_id,
        billed_lines.currency,
        billed_lines.balance_month,
        cast(billed_lines.amount as decimal(38, 9)) as billed_amount,
        cast(0 as decimal(38, 9)) as recognized_amount
    from billed_lines
    union all
    select
        schedule.obligation_id,
        schedule.obligation_type,
        schedule.customer_id,
        schedule.currency,
        schedule.revenue_month as balance_month,
        cast(0 as decimal(38, 9)) as billed_amount,
        schedule.recognized_amount
    from schedule
),

obligation_flows as (
    select
        flows.obligation_id,
        flows.obligation_type,
        flows.customer_id,
        flows.currency,
        flows.balance_month,
        sum(flows.billed_amount) as billed_amount,
        sum(flows.recognized_amount) as recognized_amount
    from flows
    group by
        flows.obligation_id,
        flows.obligation_type,
        flows.customer_id,
        flows.currency,
        flows.balance_month
),

obligation_ranges as (
    -- an obligation matters from its first flow until its balance is back to zero for
    -- good (its last flow), or through the as-of month when a balance remains
    select
        obligation_flows.obligation_id,
        obligation_flows.obligation_type,
        obligation_flows.customer_id,
        obligation_flows.currency,
        min(obligation_flows.balance_month) as first_month,
        case
            when sum(obligation_flows.billed_amount) = sum(obligation_flows.recognized_amount)
                then max(obligation_flows.balance_month)
            else {{ revenue_as_of_month() }}
        end as last_month
    from obligation_flows
    group by
        obligation_flows.obligation_id,
        obligation_flows.obligation_type,
        obligation_flows.customer_id,
        obligation_flows.currency
),

obligation_months as (
    select
        obligation_ranges.obligation_id,
        obligation_ranges.obligation_type,
        obligation_ranges.customer_id,
        obligation_ranges.currency,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'obligation_ranges.first_month') }} as date)
            as balance_month
    from obligation_ranges
    inner join month_offsets
        on month_offsets.month_offset
            <= {{ dbt.datediff('obligation_ranges.first_month', 'obligation_ranges.last_month', 'month') }}
),

obligation_positions as (
    -- position = billed to date - recognized to date (> 0 deferred, < 0 unbilled)
    select
        obligation_months.*,
        coalesce(obligation_flows.billed_amount, 0) as billed_amount,
        coalesce(obligation_flows.recognized_amount, 0) as recognized_amount,
        sum(coalesce(obligation_flows.billed_amount, 0) - coalesce(obligation_flows.recognized_amount, 0)) over (
            partition by obligation_months.obligation_id
            order by obligation_months.balance_month
            rows between unbounded preceding and current row
        ) as closing_position
    from obligation_months
    left join obligation_flows
        on obligation_months.obligation_id = obligation_flows.obligation_id
        and obligation_months.balance_month = obligation_flows.balance_month
),

obligation_sides as (
    select
        obligation_positions.*,
        obligation_positions.closing_position - obligation_positions.billed_amount
            + obligation_positions.recognized_amount as opening_position
    from obligation_positions
),

obligation_split as (
    select
        obligation_sides.*,
        case when obligation_sides.closing_position < 0 then -obligation_sides.closing_position else 0 end
            as unbilled_closing_amount,
        -- the part of the month's billing that cleared an unbilled balance
        case
            when obligation_sides.opening_position >= 0 and obligation_sides.closing_position >= 0 then 0
            when obligation_sides.opening_position <= 0 and obligation_sides.closing_position <= 0
                then obligation_sides.billed_amount
            when obligation_sides.opening_position < 0 then -obligation_sides.opening_position
            else 0
        end as unbilled_billed_amount
    from obligation_sides
),

type_obligation_totals as (
    select
        obligation_split.customer_id,
        obligation_split.currency,
        obligation_split.obligation_type,
        obligation_split.balance_month,
        sum(obligation_split.billed_amount) as billed_amount,
        sum(obligation_split.unbilled_closing_amount) as unbilled_closing_unrounded,
        sum(obligation_split.unbilled_billed_amount) as unbilled_billed_unrounded
    from obligation_split
    group by
        obligation_split.customer_id,
        obligation_split.currency,
        obligation_split.obligation_type,
        obligation_split.balance_month
),

customer_types as (
    select
        obligation_ranges.customer_id,
        obligation_ranges.currency,
        obligation_ranges.obligation_type,
        min(obligation_ranges.first_month) as first_month
    from obligation_ranges
    group by obligation_ranges.customer_id, obligation_ranges.currency, obligation_ranges.obligation_type
),

type_months as (
    select
        customer_types.customer_id,
        customer_types.currency,
        customer_types.obligation_type,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'customer_types.first_month') }} as date)
            as balance_month
    from customer_types
    inner join month_offsets
        on month_offsets.month_offset
            <= {{ dbt.datediff('customer_types.first_month', revenue_as_of_month(), 'month') }}
),

type_values as (
    select
        type_months.*,
        coalesce(type_obligation_totals.billed_amount, 0) as billed_amount,
        coalesce(revenue_monthly.recognized_amount, 0) as recognized_amount,
        coalesce(type_obligation_totals.unbilled_closing_unrounded, 0) as unbilled_closing_unrounded,
        coalesce(type_obligation_totals.unbilled_billed_unrounded, 0) as unbilled_billed_unrounded,
        sum(
            coalesce(type_obligation_totals.billed_amount, 0) - coalesce(revenue_monthly.recognized_amount, 0)
        ) over (
            partition by type_months.customer_id, type_months.currency, type_months.obligation_type
            order by type_months.balance_month
            rows between unbounded preceding and current row
        ) as net_position
    from type_months
    left join type_obligation_totals
        on type_months.customer_id = type_obligation_totals.customer_id
        and type_months.currency = type_obligation_totals.currency
        and type_months.obligation_type = type_obligation_totals.obligation_type
        and type_months.balance_month = type_obligation_totals.balance_month
    left join revenue_monthly
        on type_months.customer_id = revenue_monthly.customer_id
        and type_months.currency = revenue_monthly.currency
        and type_months.obligation_type = revenue_monthly.obligation_type
        and type_months.balance_month = revenue_monthly.revenue_month
),

type_balances as (
    select
        type_values.*,
        {{ round_money('type_values.unbilled_closing_unrounded') }} as unbilled_closing_amount,
        type_values.net_position + {{ round_money('type_values.unbilled_closing_unrounded') }}
            as deferred_closing_amount,
        {{ round_money('type_values.unbilled_billed_unrounded') }} as unbilled_billed_amount
    from type_values
),

customer_balances as (
    select
        type_balances.customer_id,
        type_balances.currency,
        type_balances.balance_month,
        sum(type_balances.billed_amount) as billed_amount,
        sum(type_balances.recognized_amount) as recognized_amount,
        sum(type_balances.deferred_closing_amount) as deferred_closing_amount,
        sum(type_balances.unbilled_closing_amount) as unbilled_closing_amount,
        sum(type_balances.unbilled_billed_amount) as unbilled_billed_amount
    from type_balances
    group by type_balances.customer_id, type_balances.currency, type_balances.balance_month
),

customer_openings as (
    select
        customer_balances.*,
        coalesce(lag(customer_balances.deferred_closing_amount) over (
            partition by customer_balances.customer_id, customer_balances.currency
            order by customer_balances.balance_month
        ), 0) as deferred_opening_amount,
        coalesce(lag(customer_balances.unbilled_closing_amount) over (
            partition by customer_balances.customer_id, customer_balances.currency
            order by customer_balances.balance_month
        ), 0) as unbilled_opening_amount
    from customer_balances
),

final as (
    select
        customer_openings.customer_id,
        customer_openings.currency,
        customer_openings.balance_month,
        customer_openings.balance_month <= {{ revenue_last_closed_month() }} as is_month_closed,

        cast(customer_openings.deferred_opening_amount as decimal(18, 2)) as deferred_opening_amount,
        cast(customer_openings.billed_amount - customer_openings.unbilled_billed_amount as decimal(18, 2))
            as deferred_billed_amount,
        cast(
            customer_openings.recognized_amount
            - (customer_openings.unbilled_closing_amount - customer_openings.unbilled_opening_amount
                + customer_openings.unbilled_billed_amount)
            as decimal(18, 2)
        ) as deferred_recognized_amount,
        cast(customer_openings.deferred_closing_amount as decimal(18, 2)) as deferred_closing_amount,

        cast(customer_openings.unbilled_opening_amount as decimal(18, 2)) as unbilled_opening_amount,
        cast(
            customer_openings.unbilled_closing_amount - customer_openings.unbilled_opening_amount
            + customer_openings.unbilled_billed_amount
            as decimal(18, 2)
        ) as unbilled_recognized_amount,
        cast(customer_openings.unbilled_billed_amount as decimal(18, 2)) as unbilled_billed_amount,
        cast(customer_openings.unbilled_closing_amount as decimal(18, 2)) as unbilled_closing_amount,

        cast(customer_openings.billed_amount as decimal(18, 2)) as billed_amount,
        cast(customer_openings.recognized_amount as decimal(18, 2)) as recognized_amount,

        fx_rates.rate_to_usd as fx_rate_to_usd,
        {{ round_money('customer_openings.deferred_closing_amount * fx_rates.rate_to_usd') }}
            as deferred_closing_amount_usd,
        {{ round_money('customer_openings.unbilled_closing_amount * fx_rates.rate_to_usd') }}
            as unbilled_closing_amount_usd
    from customer_openings
    left join fx_rates
        on customer_openings.balance_month = fx_rates.fx_month
        and customer_openings.currency = fx_rates.currency
)

select * from final
