{#- One row per review decision record read from review_decisions/ (a billing
    analyst's decision on a held invoice), typed, with its record-level problem. -#}

{{ csv_records(source('landing', 'review_decisions')) }},

fields as (
    select
        records.*,
        {{ csv_field('customer_id') }} as customer_id,
        {{ csv_field('period_start') }} as period_start_text,
        lower({{ csv_field('decision') }}) as decision,
        {{ csv_field('note') }} as note,
        {{ csv_field('decided_by') }} as decided_by,
        {{ csv_field('decided_at') }} as decided_at_text
    from records
),

typed as (
    select
        fields.*,
        {{ parse_timestamp_utc('fields.period_start_text') }} as period_start_at,
        {{ parse_timestamp_utc('fields.decided_at_text') }} as decided_at
    from fields
),

problems as (
    select
        typed.*,
        case
            when typed.is_malformed_row then 'malformed_row'
            when {{ first_missing(['customer_id', 'period_start_text', 'decision', 'decided_at_text']) }} is not null
                then 'missing_field'
            when typed.decision not in ('release', 'keep_held') then 'invalid_decision'
            when typed.period_start_at is null or typed.decided_at is null then 'invalid_timestamp'
        end as quarantine_reason,
        case
            when typed.is_malformed_row then typed.parse_error
            when {{ first_missing(['customer_id', 'period_start_text', 'decision', 'decided_at_text']) }} is not null
                then {{ first_missing(['customer_id', 'period_start_text', 'decision', 'decided_at_text']) }}
            when typed.decision not in ('release', 'keep_held') then 'decision = ' || typed.decision
            when typed.period_start_at is null then 'period_start = ' || typed.period_start_text
            else 'decided_at = ' || typed.decided_at_text
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
        period_start_at,
        decision,
        note,
        decided_by,
        decided_at,
        md5({{ json_as_text('record_json') }}) as content_hash,
        quarantine_reason,
        case when quarantine_reason is not null then quarantine_detail end as quarantine_detail
    from problems
)

select * from final
