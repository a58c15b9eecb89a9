{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

{#- One row per CRM upsell alert (metrics.md, The upgrade funnel and CRM alerts): each
    reached threshold of 80, 90 and 100 % (several rows when one event reaches
    several), with alert_id = md5(customer_id|metric_code|period_start as
    YYYY-MM-DDTHH:MM:SSZ|threshold), usage, limit and projections at crossed_at, the
    recommended plan and both projected bills, and its status.
    Status: alerts are taken in order of (crossed_at, threshold, metric) per customer;
    one is `sent` unless an earlier sent alert of the same customer (any metric or
    period) is less than crm_contact_cooldown_hours (14 x 24) older; a suppressed
    alert keeps its row and reason and does not restart the window (a recursive walk:
    whether an alert is sent depends on the last one sent).
    A ledger (append-only, full_refresh: false): an alert and its status are written
    once, so the CRM export never emits an alert twice and never re-decides one it
    emitted. A late alert (recorded after alerts that follow it in time) is decided
    against the recorded ones: also suppressed when a recorded sent alert lies less
    than the cooldown after it, so no customer is contacted twice within 14 days. -#}

{%- set cooldown_hours = billing_setting('crm_contact_cooldown_hours', 'integer') -%}

with recursive candidates as (
    select * from {{ ref('int_crm_alert_candidates') }}
),

{% if is_incremental() %}
recorded as (
    select
        recorded.alert_id,
        recorded.customer_id,
        recorded.crossed_at,
        recorded.threshold_pct,
        recorded.metric_code,
        recorded.alert_status
    from {{ this }} as recorded
),
{% endif %}

new_alerts as (
    select candidates.*
    from candidates
    {% if is_incremental() %}
    where candidates.alert_id not in (select recorded.alert_id from recorded)
    {% endif %}
),

alert_sequence as (
    {% if is_incremental() %}
    select
        recorded.alert_id,
        recorded.customer_id,
        recorded.crossed_at,
        recorded.threshold_pct,
        recorded.metric_code,
        true as is_recorded,
        recorded.alert_status as recorded_status
    from recorded
    union all
    {% endif %}
    select
        new_alerts.alert_id,
        new_alerts.customer_id,
        new_alerts.crossed_at,
        new_alerts.threshold_pct,
        new_alerts.metric_code,
        false as is_recorded,
        cast(null as {{ dbt.type_string() }}) as recorded_status
    from new_alerts
),

ordered as (
    select
        alert_sequence.*,
        {{ cooldown_hours }} as cooldown_hours,
        row_number() over (
            partition by alert_sequence.customer_id
            order by alert_sequence.crossed_at, alert_sequence.threshold_pct, alert_sequence.metric_code,
                alert_sequence.alert_id
        ) as alert_order
    from alert_sequence
),

-- for a late alert: the first recorded sent alert after it in order
ordered_with_next as (
    select
        ordered.*,
        min(case when ordered.is_recorded and ordered.recorded_status = 'sent' then ordered.crossed_at end) over (
            partition by ordered.customer_id
            order by ordered.alert_order
            rows between 1 following and unbounded following
        ) as next_recorded_sent_at
    from ordered
),

{%- set within_cooldown_of_last_sent -%}
    walk.last_sent_at is not null
    and next_alert.crossed_at < {{ dbt.dateadd('hour', 'next_alert.cooldown_hours', 'walk.last_sent_at') }}
{%- endset %}
{%- set within_cooldown_of_next_recorded -%}
    next_alert.next_recorded_sent_at is not null
    and next_alert.next_recorded_sent_at < {{ dbt.dateadd('hour', 'next_alert.cooldown_hours', 'next_alert.crossed_at') }}
{%- endset %}
{%- set is_sent -%}
    (
        (next_alert.is_recorded and next_alert.recorded_status = 'sent')
        or (
            not next_alert.is_recorded
            and not ({{ within_cooldown_of_last_sent }})
            and not ({{ within_cooldown_of_next_recorded }})
        )
    )
{%- endset %}

-- the walk in alert order; the state is the last sent alert so far (this one included)
walk as (
    select
        first_alert.customer_id,
        first_alert.alert_order,
        first_alert.alert_id,
        first_alert.crossed_at,
        first_alert.next_recorded_sent_at,
        first_alert.status_decided as alert_status,
        case when first_alert.status_decided = 'sent' then first_alert.alert_id end as last_sent_alert_id,
        case when first_alert.status_decided = 'sent' then first_alert.crossed_at end as last_sent_at
    from (
        select
            ordered_with_next.*,
            case
                when ordered_with_next.is_recorded then ordered_with_next.recorded_status
                when ordered_with_next.next_recorded_sent_at is not null
                    and ordered_with_next.next_recorded_sent_at
                    < {{ dbt.dateadd('hour', 'ordered_with_next.cooldown_hours', 'ordered_with_next.crossed_at') }}
                    then 'suppressed'
                else 'sent'
            end as status_decided
        from ordered_with_next
        where ordered_with_next.alert_order = 1
    ) as first_alert

    union all

    select
        next_alert.customer_id,
        next_alert.alert_order,
        next_alert.alert_id,
        next_alert.crossed_at,
        next_alert.next_recorded_sent_at,
        case when {{ is_sent }} then 'sent' else 'suppressed' end as alert_status,
        case when {{ is_sent }} then next_alert.alert_id else walk.last_sent_alert_id end as last_sent_alert_id,
        case when {{ is_sent }} then next_alert.crossed_at else walk.last_sent_at end as last_sent_at
    from walk
    inner join ordered_with_next as next_alert
        on walk.customer_id = next_alert.customer_id
        and next_alert.alert_order = walk.alert_order + 1
),

final as (
    select
        -- keys
        new_alerts.alert_id,
        new_alerts.customer_id,
        new_alerts.subscription_id,
        new_alerts.billing_period_id,
        new_alerts.metric_code,
        new_alerts.threshold_pct,

        -- the stage and period
        new_alerts.stage_name,
        new_alerts.stage_action,
        new_alerts.period_start,
        new_alerts.period_end,
        new_alerts.counted_from_at,

        -- at crossed_at
        new_alerts.crossed_at,
        new_alerts.usage_to_date_quantity,
        new_alerts.limit_quantity,
        new_alerts.projected_period_end_quantity,
        new_alerts.limit_reached_projected_at,

        -- plans and projected bills
        new_alerts.current_plan_id,
        new_alerts.currency,
        new_alerts.current_plan_projected_amount,
        new_alerts.is_current_plan_over_hard_limit,
        new_alerts.recommended_plan_id,
        new_alerts.recommended_plan_projected_amount,
        new_alerts.is_plan_change_recommended,
        new_alerts.candidate_bills_text,

        -- the contact decision
        walk.alert_status,
        case when walk.alert_status = 'suppressed' then 'contact_cooldown' end as suppression_reason,
        case
            when walk.alert_status = 'suppressed'
                and walk.last_sent_at is not null
                and walk.crossed_at < {{ dbt.dateadd('hour', cooldown_hours, 'walk.last_sent_at') }}
                then walk.last_sent_alert_id
        end as suppressed_by_alert_id,
        case
            when walk.alert_status = 'suppressed'
                and walk.last_sent_at is not null
                and walk.crossed_at < {{ dbt.dateadd('hour', cooldown_hours, 'walk.last_sent_at') }}
                then 'an alert was sent to this customer at ' || {{ growth_iso_utc('walk.last_sent_at') }}
                    || ', less than ' || cast({{ cooldown_hours }} as {{ dbt.type_string() }}) || ' hours earlier'
            when walk.alert_status = 'suppressed'
                then 'a recorded alert was sent to this customer at ' || {{ growth_iso_utc('walk.next_recorded_sent_at') }}
                    || ', less than ' || cast({{ cooldown_hours }} as {{ dbt.type_string() }}) || ' hours later'
        end as suppression_detail,
        cast(walk.alert_order as integer) as customer_alert_order,

        -- lineage
        {{ as_of() }} as recorded_at
    from new_alerts
    inner join walk
        on new_alerts.alert_id = walk.alert_id
)

select * from final
