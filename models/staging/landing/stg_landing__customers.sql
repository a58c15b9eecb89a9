{#- A table, not a view: the e-mail hash's key is in the compiled SQL, and a view
    would keep it in the warehouse catalog (and the published copy). -#}
{{ config(materialized='table') }}

{#- One row per customer-version record read from customers/, typed, with its
    record-level problem (null when well-formed). The e-mail is personal data: only
    its keyed hash leaves this model, and the raw record is kept with e-mail and IP
    addresses redacted. -#}

{{ csv_records(source('landing', 'customers')) }},

fields as (
    select
        records.*,
        {{ csv_field('customer_id') }} as customer_id,
        {{ csv_field('customer_name') }} as customer_name,
        {{ hash_email(csv_field('email')) }} as email_hash,
        upper({{ csv_field('country') }}) as country_code,
        upper({{ csv_field('currency') }}) as currency,
        coalesce({{ csv_field('billing_timezone') }}, 'UTC') as billing_timezone,
        lower({{ csv_field('acquisition_channel') }}) as acquisition_channel,
        {{ csv_field('signed_up_at') }} as signed_up_at_text,
        {{ csv_field('updated_at') }} as updated_at_text
    from records
),

typed as (
    select
        fields.*,
        {{ parse_timestamp_utc('fields.signed_up_at_text') }} as signed_up_at,
        {{ parse_timestamp_utc('fields.updated_at_text') }} as updated_at,
        {{ has_utc_offset('fields.signed_up_at_text') }}
            and {{ has_utc_offset('fields.updated_at_text') }} as has_timestamp_offset
    from fields
),

checked as (
    select
        typed.*,
        case
            when typed.is_malformed_row then 'malformed_row'
            when {{ first_missing(['customer_id', 'customer_name', 'currency', 'signed_up_at_text', 'updated_at_text']) }} is not null
                then 'missing_field'
            when typed.signed_up_at is null or typed.updated_at is null then 'invalid_timestamp'
        end as quarantine_reason,
        case
            when typed.is_malformed_row then typed.parse_error
            when {{ first_missing(['customer_id', 'customer_name', 'currency', 'signed_up_at_text', 'updated_at_text']) }} is not null
                then {{ first_missing(['customer_id', 'customer_name', 'currency', 'signed_up_at_text', 'updated_at_text']) }}
            when typed.signed_up_at is null then 'signed_up_at = ' || typed.signed_up_at_text
            when typed.updated_at is null then 'updated_at = ' || typed.updated_at_text
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
        {{ redact_personal_data('raw_record') }} as raw_record,
        customer_id,
        customer_name,
        email_hash,
        country_code,
        currency,
        billing_timezone,
        acquisition_channel,
        signed_up_at,
        updated_at,
        has_timestamp_offset,
        md5({{ json_as_text('record_json') }}) as content_hash,
        quarantine_reason,
        quarantine_detail
    from checked
)

select * from final
