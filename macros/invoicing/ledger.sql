{#- Pre-hook of the append-only invoice ledgers: before a run appends, drop the rows
    that were not finalized (drafts and holds are recomputed every run); finalized
    rows are never touched again, a full refresh included (the models set
    full_refresh: false). -#}
{% macro delete_unfinalized(relation, status_column='invoice_status') -%}
    {{ delete_rows(relation, status_column ~ " <> 'finalized'") }}
{%- endmacro %}

{#- A billing setting of the seed, as a SQL scalar subquery cast to `type`. -#}
{% macro billing_setting(name, type) -%}
    (select cast(setting_value as {{ type }}) from {{ ref('billing_settings') }} where setting_name = '{{ name }}')
{%- endmacro %}

{#- Round money once, half-up (away from zero) to the currency's minor units. -#}
{% macro round_money(amount, minor_units='2') -%}
    cast(round({{ amount }}, {{ minor_units }}) as decimal(18, 2))
{%- endmacro %}
