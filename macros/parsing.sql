{#- Parsing helpers for staging. DuckDB-specific syntax stays behind adapter dispatch
    so the models can move to another warehouse by adding an implementation. -#}

{#- ISO-8601 / RFC 3339 text to a UTC timestamp; null when it does not parse.
    Text without an offset is read as UTC (the profile sets TimeZone=UTC). -#}
{% macro parse_timestamp_utc(text) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc')(text)) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp_utc(text) -%}
    timezone('UTC', try_cast(nullif(trim({{ text }}), '') as timestamptz))
{%- endmacro %}

{#- True when a timestamp text carries an offset (Z or +hh:mm). -#}
{% macro has_utc_offset(text) -%}
    {{ return(adapter.dispatch('has_utc_offset')(text)) }}
{%- endmacro %}

{% macro duckdb__has_utc_offset(text) -%}
    regexp_matches(trim({{ text }}), '([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
{%- endmacro %}

{#- Text to DECIMAL(38, 9); null when it is not a number. Numbers given as strings count. -#}
{% macro parse_decimal(text) -%}
    {{ return(adapter.dispatch('parse_decimal')(text)) }}
{%- endmacro %}

{#- Text to DECIMAL(38, 9) costs about 35 microseconds a row in DuckDB 1.5, over 100
    times a DECIMAL(18, 9) cast: values that fit DECIMAL(18, 9) (below 1e9, nearly all)
    take the fast cast and only larger ones the wide cast. Same result either way. -#}
{% macro duckdb__parse_decimal(text) -%}
    coalesce(
        cast(try_cast(nullif(trim({{ text }}), '') as decimal(18, 9)) as decimal(38, 9)),
        try_cast(nullif(trim({{ text }}), '') as decimal(38, 9))
    )
{%- endmacro %}

{#- A JSON object's member as text (strings unquoted, numbers as written). -#}
{% macro json_text(json_column, key) -%}
    {{ return(adapter.dispatch('json_text')(json_column, key)) }}
{%- endmacro %}

{% macro duckdb__json_text(json_column, key) -%}
    json_extract_string({{ json_column }}, '$."{{ key }}"')
{%- endmacro %}

{#- A JSON text as a JSON value, null when it is not valid JSON. -#}
{% macro try_json(text) -%}
    {{ return(adapter.dispatch('try_json')(text)) }}
{%- endmacro %}

{% macro duckdb__try_json(text) -%}
    case when json_valid({{ text }}) then json({{ text }}) end
{%- endmacro %}

{#- The JSON type of a value, in DuckDB's names: OBJECT, ARRAY, VARCHAR, BIGINT,
    DOUBLE, BOOLEAN, NULL. -#}
{% macro json_kind(json_column) -%}
    {{ return(adapter.dispatch('json_kind')(json_column)) }}
{%- endmacro %}

{% macro duckdb__json_kind(json_column) -%}
    json_type({{ json_column }})
{%- endmacro %}

{#- A JSON object's member as a JSON value (null when absent). -#}
{% macro json_member(json_column, key) -%}
    {{ return(adapter.dispatch('json_member')(json_column, key)) }}
{%- endmacro %}

{% macro duckdb__json_member(json_column, key) -%}
    json_extract({{ json_column }}, '$."{{ key }}"')
{%- endmacro %}

{#- Several members of a JSON object, read in one parse: DuckDB keeps JSON as text and
    parses it again for every json_extract, which made reading the CloudEvents envelope
    member by member half of staging's time. `json_members()` gives a value holding the
    `keys` members; `json_members_value()` and `json_members_text()` read one of them,
    as json_member() and json_text() would from the object. Elsewhere the object itself
    is that value and members are read by key. -#}
{% macro json_members(json_column, keys) -%}
    {{ return(adapter.dispatch('json_members')(json_column, keys)) }}
{%- endmacro %}

{% macro default__json_members(json_column, keys) -%}
    {{ json_column }}
{%- endmacro %}

{% macro duckdb__json_members(json_column, keys) -%}
    json_extract({{ json_column }}, [{% for key in keys %}'$."{{ key }}"'{% if not loop.last %}, {% endif %}{% endfor %}])
{%- endmacro %}

{% macro json_members_value(members, keys, key) -%}
    {{ return(adapter.dispatch('json_members_value')(members, keys, key)) }}
{%- endmacro %}

{% macro default__json_members_value(members, keys, key) -%}
    {{ json_member(members, key) }}
{%- endmacro %}

{% macro duckdb__json_members_value(members, keys, key) -%}
    {{ members }}[{{ keys.index(key) + 1 }}]
{%- endmacro %}

{% macro json_members_text(members, keys, key) -%}
    {{ return(adapter.dispatch('json_members_text')(members, keys, key)) }}
{%- endmacro %}

{% macro default__json_members_text(members, keys, key) -%}
    {{ json_text(members, key) }}
{%- endmacro %}

{% macro duckdb__json_members_text(members, keys, key) -%}
    json_extract_string({{ members }}[{{ keys.index(key) + 1 }}], '$')
{%- endmacro %}

{#- A JSON value as its (compact) JSON text. -#}
{% macro json_as_text(json_column) -%}
    {{ return(adapter.dispatch('json_as_text')(json_column)) }}
{%- endmacro %}

{% macro duckdb__json_as_text(json_column) -%}
    cast({{ json_column }} as varchar)
{%- endmacro %}

{#- A stable hash of a record's content, used to tell exact from conflicting duplicates. -#}
{% macro content_hash(json_column) -%}
    md5(cast({{ json_column }} as {{ dbt.type_string() }}))
{%- endmacro %}


{#- A DECIMAL as plain text with all `scale` decimals of its type (12.500000000), for
    descriptions. Spark writes a decimal held as a Java BigDecimal in scientific notation
    below 1e-6 (0E-9 for a zero with 9 decimals), so it formats the number instead. -#}
{% macro decimal_text(value, scale) -%}
    {{ return(adapter.dispatch('decimal_text')(value, scale)) }}
{%- endmacro %}

{% macro default__decimal_text(value, scale) -%}
    cast({{ value }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__decimal_text(value, scale) -%}
    replace(format_number({{ value }}, {{ scale }}), ',', '')
{%- endmacro %}
