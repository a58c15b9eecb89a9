{#- One row per rate-card band record read from contract_rates/, typed, with its
    record-level problem (null when well-formed). -#}

{{ csv_records(source('landing', 'contract_rates')) }},

fields as (
    select
        records.*,
        {{ csv_field('customer_id') }} as customer_id,
        lower({{ csv_field('metric_code') }}) as metric_code,
        lower({{ csv_field('charge_model') }}) as charge_model,
        {{ csv_field('band_index') }} as band_index_text,
        {{ csv_field('up_to') }} as up_to_text,
        {{ csv_field('unit_amount') }} as unit_amount_text,
        {{ csv_field('flat_amount') }} as flat_amount_text,
        {{ csv_field('package_size') }} as package_size_text,
        {{ csv_field('included_quantity') }} as included_quantity_text,
        {{ csv_field('effective_from') }} as effective_from_text
    from records
),

typed as (
    select
        fields.*,
        try_cast({{ parse_decimal('fields.band_index_text') }} as integer) as band_index,
        {{ parse_decimal('fields.up_to_text') }} as up_to,
        {{ parse_decimal('fields.unit_amount_text') }} as unit_amount,
        {{ parse_decimal('fields.flat_amount_text') }} as flat_amount,
        {{ parse_decimal('fields.package_size_text') }} as package_size,
        {{ parse_decimal('fields.included_quantity_text') }} as included_quantity,
        {{ parse_timestamp_utc('fields.effective_from_text') }} as effective_from
    from fields
),

problems as (
    select
        typed.*,
        case
            when typed.is_malformed_row then 'malformed_row'
            when {{ first_missing(['customer_id', 'metric_code', 'charge_model', 'band_index_text', 'effective_from_text']) }} is not null
                then 'missing_field'
            when typed.charge_model not in ('per_unit', 'package', 'graduated', 'volume') then 'invalid_charge_model'
            when typed.band_index is null
                or (typed.up_to_text is not null and typed.up_to is null)
                or (typed.unit_amount_text is not null and typed.unit_amount is null)
                or (typed.flat_amount_text is not null and typed.flat_amount is null)
                or (typed.package_size_text is not null and typed.package_size is null)
                or (typed.included_quantity_text is not null and typed.included_quantity is null)
                then 'non_numeric_value'
            when typed.band_index < 1 or typed.up_to < 0 or typed.unit_amount < 0 or typed.flat_amount < 0
                or typed.package_size <= 0 or typed.included_quantity < 0
                then 'negative_quantity'
            when typed.charge_model = 'package' and typed.package_size is null then 'missing_field'
            when typed.effective_from is null then 'invalid_timestamp'
        end as quarantine_reason,
        case
            when typed.is_malformed_row then typed.parse_error
            when {{ first_missing(['customer_id', 'metric_code', 'charge_model', 'band_index_text', 'effective_from_text']) }} is not null
                then {{ first_missing(['customer_id', 'metric_code', 'charge_model', 'band_index_text', 'effective_from_text']) }}
            when typed.charge_model not in ('per_unit', 'package', 'graduated', 'volume')
                then 'charge_model = ' || typed.charge_model
            when typed.charge_model = 'package' and typed.package_size is null then 'package_size is missing'
            when typed.effective_from is null then 'effective_from = ' || typed.effective_from_text
            else 'a band value is not a number >= 0'
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
        charge_model,
        band_index,
        cast(up_to as decimal(38, 9)) as up_to,
        cast(unit_amount as decimal(38, 9)) as unit_amount,
        cast(flat_amount as decimal(38, 9)) as flat_amount,
        cast(package_size as decimal(38, 9)) as package_size,
        cast(included_quantity as decimal(38, 9)) as included_quantity,
        effective_from,
        md5({{ json_as_text('record_json') }}) as content_hash,
        quarantine_reason,
        case when quarantine_reason is not null then quarantine_detail end as quarantine_detail
    from problems
)

select * from final
