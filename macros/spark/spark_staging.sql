{#- Spark implementations of the dispatched macros the staging layer uses (issue 8,
    `make test-spark`). Spark 4 keeps JSON as VARIANT (try_parse_json), the closest
    match to DuckDB's JSON type: it tells a JSON string from an object, as the
    CloudEvents `data` rule needs. Raw strings (r'...') keep regular expressions
    readable; Spark's regexp_replace replaces every match and writes groups as $n. -#}

{% macro spark__parse_timestamp_utc(text) -%}
    {#- the session time zone is UTC (profiles.yml): a text without an offset is UTC -#}
    try_cast(nullif(trim({{ text }}), '') as timestamp)
{%- endmacro %}

{% macro spark__has_utc_offset(text) -%}
    (trim({{ text }}) rlike r'([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
{%- endmacro %}

{% macro spark__parse_decimal(text) -%}
    try_cast(nullif(trim({{ text }}), '') as decimal(38, 9))
{%- endmacro %}

{% macro spark__try_json(text) -%}
    try_parse_json({{ text }})
{%- endmacro %}

{% macro spark__json_text(json_column, key) -%}
    try_variant_get({{ json_column }}, '$["{{ key }}"]', 'string')
{%- endmacro %}

{% macro spark__json_member(json_column, key) -%}
    try_variant_get({{ json_column }}, '$["{{ key }}"]')
{%- endmacro %}

{% macro spark__json_as_text(json_column) -%}
    to_json({{ json_column }})
{%- endmacro %}

{#- schema_of_variant names (OBJECT<...>, STRING, BIGINT, DECIMAL(p,s), VOID) in DuckDB's terms -#}
{% macro spark__json_kind(json_column) -%}
    case
        when schema_of_variant({{ json_column }}) like 'OBJECT%' then 'OBJECT'
        when schema_of_variant({{ json_column }}) like 'ARRAY%' then 'ARRAY'
        when schema_of_variant({{ json_column }}) = 'STRING' then 'VARCHAR'
        when schema_of_variant({{ json_column }}) = 'VOID' then 'NULL'
        when schema_of_variant({{ json_column }}) in ('TINYINT', 'SMALLINT', 'INT', 'BIGINT') then 'BIGINT'
        when schema_of_variant({{ json_column }}) like 'DECIMAL%'
            or schema_of_variant({{ json_column }}) in ('FLOAT', 'DOUBLE') then 'DOUBLE'
        else schema_of_variant({{ json_column }})
    end
{%- endmacro %}

{% macro spark__hash_email(email) -%}
    case
        when nullif(trim({{ email }}), '') is not null
            then sha2('{{ pii_key() | replace("'", "\\'") }}' || '|' || lower(trim({{ email }})), 256)
    end
{%- endmacro %}

{% macro spark__redact_personal_data(text) -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                {{ text }},
                r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", '<email redacted>'
            ),
            r'\b(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\b',
            '<ip redacted>'
        ),
        r'(^|[^0-9A-Za-z:])(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*)($|[^0-9A-Za-z:])',
        '$1<ip redacted>$4'
    )
{%- endmacro %}

{% macro spark__without_ip_properties(data_json) -%}
    case
        when not (
            contains(to_json({{ data_json }}), 'ip')
            or contains(to_json({{ data_json }}), 'addr')
            or contains(to_json({{ data_json }}), 'forwarded')
        )
            then {{ data_json }}
        when {{ json_kind(data_json) }} = 'OBJECT'
            then parse_json(to_json(map_filter(
                from_json(to_json({{ data_json }}), 'map<string, variant>'),
                (property, value) -> property not in (
                    {%- for key in ip_properties() %}'{{ key }}'{{ ", " if not loop.last }}{% endfor -%}
                )
            )))
        else {{ data_json }}
    end
{%- endmacro %}

{% macro spark__utc_to_local(utc_ts, tz) -%}
    from_utc_timestamp({{ utc_ts }}, {{ tz }})
{%- endmacro %}
