{#- One row per known customer: the accepted version with the latest updated_at
    (ties: the one read last). -#}

with versions as (
    select * from {{ ref('int_customer_versions_checked') }}
    where record_status = 'accepted'
),

latest as (
    select
        versions.*,
        row_number() over (
            partition by versions.customer_id
            order by versions.updated_at desc, versions.ingested_at desc, versions.file_path desc,
                versions.record_number desc
        ) as version_rank
    from versions
),

final as (
    select
        customer_id,
        customer_name,
        email_hash,
        country_code,
        currency,
        billing_timezone,
        acquisition_channel,
        signed_up_at,
        updated_at
    from latest
    where version_rank = 1
)

select * from final
