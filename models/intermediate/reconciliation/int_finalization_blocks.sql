{#- One row per landing file or folder that blocks invoice finalization
    (billing-rules.md, Reconciliation before invoicing; landing-contract.md, Bad
    input): a present unreadable file, or a landing folder whose present files have
    more of their records in quarantine now than billing_settings'
    quarantine_share_threshold. While a block exists every invoice due for
    finalization is held with its reason; fixing or removing the file, or the
    records being released, lifts it. A review decision does not: it is about the
    two usage tracks. The share is per folder, not per file, so one bad record in
    a small daily file does not hold every invoice. -#}

with files as (
    select * from {{ ref('fct_landing_files') }}
    where is_present
),

threshold as (
    select
        {{ billing_setting('quarantine_share_threshold', 'decimal(38, 9)') }} as quarantine_share_threshold
),

unreadable as (
    select
        'unreadable_file' as block_reason,
        source_name,
        file_path,
        'unreadable landing file ' || file_path || ': ' || coalesce(error_message, 'no error recorded')
            as block_detail,
        cast(null as bigint) as records_read,
        cast(null as bigint) as records_quarantined
    from files
    where file_status = 'unreadable'
),

folder_outcomes as (
    select
        source_name,
        sum(records_read) as records_read,
        sum(records_quarantined) as records_quarantined
    from files
    where file_status = 'loaded'
    group by source_name
),

quarantine_share as (
    select
        'quarantine_share_above_threshold' as block_reason,
        folder_outcomes.source_name,
        cast(null as {{ dbt.type_string() }}) as file_path,
        cast(folder_outcomes.records_quarantined as {{ dbt.type_string() }}) || ' of '
            || cast(folder_outcomes.records_read as {{ dbt.type_string() }}) || ' records of '
            || folder_outcomes.source_name || '/ are in quarantine, more than the threshold share of '
            || {{ decimal_text('threshold.quarantine_share_threshold', 9) }} as block_detail,
        cast(folder_outcomes.records_read as bigint) as records_read,
        cast(folder_outcomes.records_quarantined as bigint) as records_quarantined
    from folder_outcomes
    cross join threshold
    where folder_outcomes.records_read > 0
        and cast(folder_outcomes.records_quarantined as decimal(38, 9))
            > threshold.quarantine_share_threshold * folder_outcomes.records_read
),

blocks as (
    select * from unreadable
    union all
    select * from quarantine_share
),

final as (
    select
        md5(blocks.block_reason || '|' || blocks.source_name || '|' || coalesce(blocks.file_path, ''))
            as finalization_block_id,
        blocks.block_reason,
        blocks.source_name,
        blocks.file_path,
        blocks.block_detail,
        blocks.records_read,
        blocks.records_quarantined,
        case
            when blocks.records_read > 0
                then {{ exact_ratio('1', 'blocks.records_quarantined', 'blocks.records_read') }}
        end as quarantine_share,
        threshold.quarantine_share_threshold
    from blocks
    cross join threshold
)

select * from final
