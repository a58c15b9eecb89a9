{#- One row per billing period whose usage reconciliation breaches the tolerance for
    at least one metric, or that a review decision names (billing-rules.md,
    Reconciliation before invoicing): whether the invoice billing that period's
    usage is held. The latest accepted review decision at or before the as-of time
    wins: `release` lets the invoice finalize on the batch count (what it bills
    anyway), `keep_held` keeps it held, even once the tracks agree, until a later
    release. A decision is matched to the period by customer and period start. -#}

with reconciliation_periods as (
    select * from {{ ref('int_reconciliation_periods') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

decisions as (
    select * from {{ ref('int_review_decisions_checked') }}
    where record_status = 'accepted'
        and decided_at <= {{ as_of() }}
),

breaches as (
    select
        billing_period_id,
        {{ listagg_ordered('metric_code', "', '", ['metric_code']) }} as breaching_metrics,
        count(*) as breaching_metric_count
    from reconciliation_periods
    where is_breaching
    group by billing_period_id
),

ranked_decisions as (
    select
        decisions.customer_id,
        decisions.period_start_at,
        decisions.decision,
        decisions.note,
        decisions.decided_by,
        decisions.decided_at,
        row_number() over (
            partition by decisions.customer_id, decisions.period_start_at
            order by decisions.decided_at desc
        ) as decision_rank
    from decisions
),

period_decisions as (
    select
        periods.billing_period_id,
        ranked_decisions.decision,
        ranked_decisions.note,
        ranked_decisions.decided_by,
        ranked_decisions.decided_at
    from ranked_decisions
    inner join periods
        on ranked_decisions.customer_id = periods.customer_id
        and ranked_decisions.period_start_at = periods.period_start
    where ranked_decisions.decision_rank = 1
),

combined as (
    select
        coalesce(breaches.billing_period_id, period_decisions.billing_period_id) as billing_period_id,
        breaches.billing_period_id is not null as is_breaching,
        breaches.breaching_metrics,
        coalesce(breaches.breaching_metric_count, 0) as breaching_metric_count,
        period_decisions.decision,
        period_decisions.note as decision_note,
        period_decisions.decided_by,
        period_decisions.decided_at
    from breaches
    full outer join period_decisions
        on breaches.billing_period_id = period_decisions.billing_period_id
),

final as (
    select
        combined.billing_period_id,
        periods.customer_id,
        periods.subscription_id,
        periods.period_start,
        periods.period_end,
        combined.is_breaching,
        combined.breaching_metrics,
        combined.breaching_metric_count,
        combined.decision,
        combined.decision_note,
        combined.decided_by,
        combined.decided_at,
        (combined.is_breaching or combined.decision = 'keep_held')
            and coalesce(combined.decision, '') <> 'release' as is_held,
        case
            when coalesce(combined.decision, '') = 'release' then null
            when combined.is_breaching then 'reconciliation_breach'
            when combined.decision = 'keep_held' then 'review_keep_held'
        end as hold_reason
    from combined
    inner join periods
        on combined.billing_period_id = periods.billing_period_id
)

select * from final
