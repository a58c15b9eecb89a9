{#- One row per subscription lifecycle record read from subscription_events/, typed,
    with its record-level problem (null when well-formed). An `enterprise` event
    without contract_price is a missing_field record (landing contract). -#}

{{ csv_records(source('landing', 'subscription_events')) }},

fields as (
    select
        records.*,
        {{ csv_field('event_id') }} as event_id,
        {{ csv_field('subscription_id') }} as subscription_id,
        {{ csv_field('customer_id') }} as customer_id,
        lower({{ csv_field('event_type') }}) as event_type,
        lower({{ csv_field('plan_id') }}) as plan_id,
        {{ csv_field('contract_price') }} as contract_price_text,
        {{ csv_field('effective_at') }} as effective_at_text,
        {{ csv_field('recorded_at') }} as recorded_at_text
    from records
),

typed as (
    select
        fields.*,
        {{ parse_decimal('fields.contract_price_text') }} as contract_price_amount,
        {{ parse_timestamp_utc('fields.effective_at_text') }} as effective_at,
        {{ parse_timestamp_utc('fields.recorded_at_text') }} as recorded_at,
        {{ has_utc_offset('fields.effective_at_text') }}
            and {{ has_utc_offset('fields.recorded_at_text') }} as has_timestamp_offset
    from fields
),

problems as (
    select
        typed.*,
        case
            when typed.is_malformed_row then typed.parse_error
            when {{ first_missing(['event_id', 'subscription_id', 'customer_id', 'event_type', 'effective_at_text', 'recorded_at_text']) }} is not null
                then {{ first_missing(['event_id', 'subscription_id', 'customer_id', 'event_type', 'effective_at_text', 'recorded_at_text']) }}
            when typed.event_type not in ('created', 'plan_changed', 'canceled')
                then 'event_type = ' || typed.event_type
            when typed.event_type in ('created', 'plan_changed') and typed.plan_id is null
                then 'plan_id is missing'
            when typed.event_type in ('created', 'plan_changed') and typed.plan_id = 'enterprise'
                and typed.contract_price_text is null
                then 'contract_price is missing for an enterprise plan'
            when typed.contract_price_text is not null and typed.contract_price_amount is null
                then 'contract_price = ' || typed.contract_price_text
            when typed.contract_price_amount < 0 then 'contract_price = ' || typed.contract_price_text
            when typed.effective_at is null then 'effective_at = ' || typed.effective_at_text
            when typed.recorded_at is null then 'recorded_at = ' || typed.recorded_at_text
        end as quarantine_detail,
        case
            when typed.is_malformed_row then 'malformed_row'
            when {{ first_missing(['event_id', 'subscription_id', 'customer_id', 'event_type', 'effective_at_text', 'recorded_at_text']) }} is not null
                then 'missing_field'
            when typed.event_type not in ('created', 'plan_changed', 'canceled') then 'unknown_event_type'
            when typed.event_type in ('created', 'plan_changed') and typed.plan_id is null then 'missing_field'
            when typed.event_type in ('created', 'plan_changed') and typed.plan_id = 'enterprise'
                and typed.contract_price_text is null
                then 'missing_field'
            when typed.contract_price_text is not null and typed.contract_price_amount is null
                then 'non_numeric_value'
            when typed.contract_price_amount < 0 then 'negative_quantity'
            when typed.effective_at is null or typed.recorded_at is null then 'invalid_timestamp'
        end as quarantine_reason
    from typed
),

final as (
    select
        file_hash,
        file_path,
        record_number,
        ingested_at,
        load_id,
        raw_record,
        event_id,
        subscription_id,
        customer_id,
        event_type,
        plan_id,
        cast(contract_price_amount as decimal(18, 4)) as contract_price_amount,
        effective_at,
        recorded_at,
        has_timestamp_offset,
        md5({{ json_as_text('record_json') }}) as content_hash,
        quarantine_reason,
        quarantine_detail
    from problems
)

select * from final
