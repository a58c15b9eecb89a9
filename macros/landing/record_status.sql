{#- Duplicate handling shared by the landing sources (landing contract):
    of the records with the same key, the one read first (by ingested_at, then file
    path, then record number) is kept; a later one with the same content is an
    exact duplicate (counted, kept once), with other content a duplicate_conflict. -#}
{% macro duplicate_status(key_columns, relation_alias) -%}
    {%- set partition -%}
        partition by {% for column in key_columns %}{{ relation_alias }}.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
        order by {{ relation_alias }}.ingested_at, {{ relation_alias }}.file_path, {{ relation_alias }}.record_number
    {%- endset -%}
    case
        when row_number() over ({{ partition }}) = 1 then 'kept'
        when {{ relation_alias }}.content_hash = first_value({{ relation_alias }}.content_hash) over ({{ partition }})
            then 'exact_duplicate'
        else 'duplicate_conflict'
    end
{%- endmacro %}

{#- The record status every checked landing model exposes:
    accepted | exact_duplicate | quarantined. -#}
{% macro record_status(quarantine_reason, duplicate_status, rejection_reason) -%}
    case
        when {{ quarantine_reason }} is not null then 'quarantined'
        when {{ duplicate_status }} = 'exact_duplicate' then 'exact_duplicate'
        when {{ duplicate_status }} = 'duplicate_conflict' then 'quarantined'
        when {{ rejection_reason }} is not null then 'quarantined'
        else 'accepted'
    end
{%- endmacro %}

{#- The reason of a record that is not accepted, in order of precedence. -#}
{% macro final_reason(quarantine_reason, duplicate_status, rejection_reason) -%}
    case
        when {{ quarantine_reason }} is not null then {{ quarantine_reason }}
        when {{ duplicate_status }} = 'duplicate_conflict' then 'duplicate_conflict'
        when {{ duplicate_status }} = 'exact_duplicate' then null
        else {{ rejection_reason }}
    end
{%- endmacro %}

{#- The checked model of a landing source: every staged record with its final status
    (accepted, exact_duplicate, quarantined) and reason. `checks` is a list of
    {reason, condition, detail} evaluated in order on well-formed, first-read
    records (alias `well_formed`) after `reference_joins`. -#}
{% macro checked_landing_records(staged_relation, key_columns, key_label, reference_joins='', checks=[]) -%}
    with staged as (
        select * from {{ staged_relation }}
    ),

    well_formed as (
        select
            staged.*,
            {{ duplicate_status(key_columns, 'staged') }} as duplicate_status
        from staged
        where staged.quarantine_reason is null
    ),

    referenced as (
        select
            well_formed.file_hash,
            well_formed.record_number,
            well_formed.duplicate_status,
            {% if checks | length > 0 -%}
            case
            {%- for check in checks %}
                when {{ check.condition }} then '{{ check.reason }}'
            {%- endfor %}
            end
            {%- else -%}cast(null as {{ dbt.type_string() }}){%- endif %} as rejection_reason,
            {% if checks | length > 0 -%}
            case
            {%- for check in checks %}
                when {{ check.condition }} then {{ check.detail }}
            {%- endfor %}
            end
            {%- else -%}cast(null as {{ dbt.type_string() }}){%- endif %} as rejection_detail
        from well_formed
        {{ reference_joins }}
    ),

    all_records as (
        select
            staged.*,
            referenced.duplicate_status,
            referenced.rejection_reason,
            referenced.rejection_detail
        from staged
        left join referenced
            on staged.file_hash = referenced.file_hash
            and staged.record_number = referenced.record_number
    ),

    final as (
        select
            all_records.*,
            {{ record_status('all_records.quarantine_reason', 'all_records.duplicate_status', 'all_records.rejection_reason') }} as record_status,
            {{ final_reason('all_records.quarantine_reason', 'all_records.duplicate_status', 'all_records.rejection_reason') }} as final_reason,
            case
                when all_records.quarantine_reason is not null then all_records.quarantine_detail
                when all_records.duplicate_status = 'duplicate_conflict'
                    then {{ key_label }} || ' was read first with other content'
                else all_records.rejection_detail
            end as final_reason_detail
        from all_records
    )

    select * from final
{%- endmacro %}
