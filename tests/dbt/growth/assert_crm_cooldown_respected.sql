{{ config(meta={'dagster': {'ref': {'name': 'fct_crm_upsell_alerts'}}}) }}

-- No customer gets two outbound contacts less than crm_contact_cooldown_hours (14 x 24)
-- apart: two sent alerts of one customer are at least that far apart in crossed_at, and
-- every suppressed alert has a sent alert of the customer less than that before it (or,
-- for a late alert, after it).
{%- set cooldown_hours = billing_setting('crm_contact_cooldown_hours', 'integer') %}

with alerts as (
    select * from {{ ref('fct_crm_upsell_alerts') }}
),

sent as (
    select * from alerts
    where alert_status = 'sent'
),

too_close as (
    select
        later.alert_id,
        'sent less than the cooldown after another sent alert' as problem
    from sent as later
    inner join sent as earlier
        on later.customer_id = earlier.customer_id
        and later.alert_id <> earlier.alert_id
        and earlier.crossed_at <= later.crossed_at
        and (earlier.crossed_at < later.crossed_at or earlier.customer_alert_order < later.customer_alert_order)
        and later.crossed_at < {{ dbt.dateadd('hour', cooldown_hours, 'earlier.crossed_at') }}
),

unexplained as (
    select
        suppressed.alert_id,
        'suppressed without a sent alert within the cooldown' as problem
    from alerts as suppressed
    where suppressed.alert_status = 'suppressed'
        and not exists (
            select 1
            from sent
            where sent.customer_id = suppressed.customer_id
                and sent.crossed_at < {{ dbt.dateadd('hour', cooldown_hours, 'suppressed.crossed_at') }}
                and suppressed.crossed_at < {{ dbt.dateadd('hour', cooldown_hours, 'sent.crossed_at') }}
        )
)

select * from too_close
union all
select * from unexplained
