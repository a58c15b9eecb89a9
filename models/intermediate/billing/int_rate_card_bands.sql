{#- One row per rate card, metric, currency, version and band: the plan catalog's
    usage charges (seed plan_charges) and the customers' negotiated rate cards
    (contract_rates/), in one shape, with each version's validity interval and each
    band's lower bound. -#}

with plan_charges as (
    select * from {{ ref('plan_charges') }}
),

contract_rates as (
    select * from {{ ref('stg_landing__contract_rates') }}
    where quarantine_reason is null
),

-- the same band landed twice (any file): the first read wins, as for every landing record
contract_rates_ranked as (
    select
        contract_rates.*,
        row_number() over (
            partition by
                contract_rates.customer_id,
                contract_rates.metric_code,
                contract_rates.effective_from,
                contract_rates.band_index
            order by contract_rates.ingested_at, contract_rates.file_path, contract_rates.record_number
        ) as record_rank
    from contract_rates
),

contract_rates_deduplicated as (
    select *
    from contract_rates_ranked
    where record_rank = 1
),

plan_bands as (
    select
        'plan' as rate_card_type,
        plan_charges.plan_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        plan_charges.metric_code,
        plan_charges.currency,
        cast(plan_charges.effective_from as timestamp) as effective_from,
        plan_charges.charge_model,
        plan_charges.band_index,
        plan_charges.up_to,
        plan_charges.unit_amount,
        plan_charges.flat_amount,
        plan_charges.package_size,
        plan_charges.included_quantity,
        plan_charges.is_assumption,
        cast(null as {{ dbt.type_string() }}) as source_file_path,
        cast(null as bigint) as source_record_number
    from plan_charges
),

contract_bands as (
    select
        'contract' as rate_card_type,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        contract_rates_deduplicated.customer_id,
        contract_rates_deduplicated.metric_code,
        -- contract_rates/ has no currency: the card prices the customer's currency
        cast(null as {{ dbt.type_string() }}) as currency,
        contract_rates_deduplicated.effective_from,
        contract_rates_deduplicated.charge_model,
        contract_rates_deduplicated.band_index,
        contract_rates_deduplicated.up_to,
        contract_rates_deduplicated.unit_amount,
        contract_rates_deduplicated.flat_amount,
        contract_rates_deduplicated.package_size,
        -- the contract says the same on every band; a value given on some bands only applies to the card
        max(contract_rates_deduplicated.included_quantity) over (
            partition by
                contract_rates_deduplicated.customer_id,
                contract_rates_deduplicated.metric_code,
                contract_rates_deduplicated.effective_from
        ) as included_quantity,
        false as is_assumption,
        contract_rates_deduplicated.file_path as source_file_path,
        cast(contract_rates_deduplicated.record_number as bigint) as source_record_number
    from contract_rates_deduplicated
),

all_bands as (
    select * from plan_bands
    union all
    select * from contract_bands
),

keyed as (
    select
        all_bands.*,
        all_bands.rate_card_type
        || '|' || coalesce(all_bands.plan_id, all_bands.customer_id)
        || '|' || all_bands.metric_code
        || '|' || coalesce(all_bands.currency, '*') as rate_card_id
    from all_bands
),

card_versions as (
    select distinct
        keyed.rate_card_id,
        keyed.effective_from
    from keyed
),

-- a version is in force until the next version of the same card
card_version_intervals as (
    select
        card_versions.rate_card_id,
        card_versions.effective_from,
        lead(card_versions.effective_from) over (
            partition by card_versions.rate_card_id
            order by card_versions.effective_from
        ) as effective_to
    from card_versions
),

bounded as (
    select
        keyed.*,
        coalesce(
            lag(keyed.up_to) over (
                partition by keyed.rate_card_id, keyed.effective_from
                order by keyed.band_index
            ),
            0
        ) as lower_bound,
        keyed.band_index = max(keyed.band_index) over (
            partition by keyed.rate_card_id, keyed.effective_from
        ) as is_last_band
    from keyed
),

{%- set band_key -%}
    bounded.rate_card_id
    || '|' || cast(bounded.effective_from as {{ dbt.type_string() }})
    || '|' || cast(bounded.band_index as {{ dbt.type_string() }})
{%- endset %}

final as (
    select
        {{ dbt.hash(band_key) }} as rate_card_band_id,
        bounded.rate_card_id,
        bounded.rate_card_type,
        bounded.plan_id,
        bounded.customer_id,
        bounded.metric_code,
        bounded.currency,
        bounded.effective_from,
        card_version_intervals.effective_to,
        bounded.charge_model,
        cast(bounded.band_index as integer) as band_index,
        bounded.is_last_band,
        cast(bounded.lower_bound as decimal(38, 9)) as lower_bound,
        cast(bounded.up_to as decimal(38, 9)) as up_to,
        cast(coalesce(bounded.unit_amount, 0) as decimal(38, 9)) as unit_amount,
        cast(coalesce(bounded.flat_amount, 0) as decimal(38, 9)) as flat_amount,
        cast(bounded.package_size as decimal(38, 9)) as package_size,
        cast(coalesce(bounded.included_quantity, 0) as decimal(38, 9)) as included_quantity,
        coalesce(bounded.unit_amount, 0) = 0 and coalesce(bounded.flat_amount, 0) = 0 as is_free_band,
        bounded.is_assumption,
        bounded.source_file_path,
        bounded.source_record_number
    from bounded
    inner join card_version_intervals
        on bounded.rate_card_id = card_version_intervals.rate_card_id
        and bounded.effective_from = card_version_intervals.effective_from
)

select * from final
