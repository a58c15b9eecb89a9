{#- One row per real-time counter record read from realtime_counters/ (what the
    streaming counter showed per customer, metric and UTC hour), typed, with its
    record-level problem (null when well-formed). -#}

{{ csv_records(source('landing', 'realtime_counters')) }},

fields as (
    select
        records.*,
        {{ csv_field('customer_id') }} as customer_id,
        lower({{ csv_field('metric_code') }}) as metric_code,
        {{ csv_field('window_start') }} as window_start_text,
        {{ csv_field('quantity') }} as quantity_text,
        {{ csv_field('emitted_at') }} as emitted_at_text
    from records
),

typed as (
    select
        fields.*,
        {{ parse_timestamp_utc('fields.window_start_text') }} as window_start_at,
        {{ parse_decimal('fields.quantity_text') }} as quantity,
        {{ parse_timestamp_utc('fields.emitted_at_text') }} as emitted_at
    from fields
),

problems as (
    select
        typed.*,
        case
            when typed.is_malformed_row then 'malformed_row'
            when {{ first_missing(['customer_id', 'metric_code', 'window_start_text', 'quantity_text', 'emitted_at_text']) }} is not null
                then 'missing_field'
            when typed.window_start_at is null or typed.emitted_at is null then 'invalid_timestamp'
            when typed.quantity is null then 'non_numeric_value'
            when typed.quantity < 0 then 'negative_quantity'
        end as quarantine_reason,
        case
            when typed.is_malformed_row then typed.parse_error
            when {{ first_missing(['customer_id', 'metric_code', 'window_start_text', 'quantity_text', 'emitted_at_text']) }} is not null
                then {{ first_missing(['customer_id', 'metric_code', 'window_start_text', 'quantity_text', 'emitted_at_text']) }}
            when typed.window_start_at is null then 'window_start = ' || typed.window_start_text
            when typed.emitted_at is null then 'emitted_at = ' || typed.emitted_at_text
            else 'quantity = ' || typed.quantity_text
        end as quarantine_detail
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
        customer_id,
        metric_code,
        window_start_at,
        cast(quantity as decimal(38, 9)) as quantity,
        emitted_at,
        md5({{ json_as_text('record_json') }}) as content_hash,
        quarantine_reason,
        case when quarantine_reason is not null then quarantine_detail end as quarantine_detail
    from problems
)

select * from final
