{#- Exact arithmetic and small helpers for the growth models (metrics.md, The upgrade
    funnel and CRM alerts; Usage transparency; Customer health).
    DuckDB divides DECIMALs as DOUBLE, so every quotient here is computed on whole
    nano-units as 128-bit integers and truncated toward zero (all operands >= 0);
    Postgres and Spark divide numerics exactly enough and use the defaults. -#}


{#- A growth setting of the seed growth_settings, as a scalar subquery cast to `type`. -#}
{% macro growth_setting(name, type) -%}
    (select cast(setting_value as {{ type }}) from {{ ref('growth_settings') }} where setting_name = '{{ name }}')
{%- endmacro %}


{#- A UTC timestamp as ISO-8601 text `YYYY-MM-DDTHH:MM:SSZ` (whole seconds): the form
    the alert id hashes and the CRM export writes. -#}
{% macro growth_iso_utc(timestamp) -%}
    {{ return(adapter.dispatch('growth_iso_utc')(timestamp)) }}
{%- endmacro %}

{% macro default__growth_iso_utc(timestamp) -%}
    to_char({{ timestamp }}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
{%- endmacro %}

{% macro duckdb__growth_iso_utc(timestamp) -%}
    strftime({{ timestamp }}, '%Y-%m-%dT%H:%M:%SZ')
{%- endmacro %}


{#- quantity x numerator / denominator as DECIMAL(38, 18), truncated at the 18th decimal.
    quantity: DECIMAL with at most 9 decimals, >= 0, below 1e20; numerator and
    denominator: whole numbers >= 0 below 1e18 (microseconds), denominator > 0.
    Two steps (whole part, then the remainder's 9 more decimals) keep every product
    inside 128 bits: 1e29 nano-units x 1e13 microseconds would not fit at once. -#}
{% macro growth_quantity_ratio(quantity, numerator, denominator) -%}
    {{ return(adapter.dispatch('growth_quantity_ratio')(quantity, numerator, denominator)) }}
{%- endmacro %}

{% macro default__growth_quantity_ratio(quantity, numerator, denominator) -%}
    cast(
        floor(cast({{ quantity }} as {{ dbt.type_numeric() }}) * ({{ numerator }}) * 1000000000000000000 / ({{ denominator }}))
        / 1000000000000000000 as decimal(38, 18)
    )
{%- endmacro %}

{% macro duckdb__growth_quantity_ratio(quantity, numerator, denominator) -%}
    (
        cast(
            (
                (cast(cast({{ quantity }} as decimal(38, 9)) * 1000000000 as hugeint) * cast({{ numerator }} as hugeint))
                // cast({{ denominator }} as hugeint)
            ) * cast(1000000000 as hugeint)
            + (
                (
                    (cast(cast({{ quantity }} as decimal(38, 9)) * 1000000000 as hugeint) * cast({{ numerator }} as hugeint))
                    % cast({{ denominator }} as hugeint)
                ) * cast(1000000000 as hugeint)
            ) // cast({{ denominator }} as hugeint)
            as decimal(38, 0)
        ) * cast('0.000000000000000001' as decimal(38, 18))
    )
{%- endmacro %}


{#- numerator / denominator of two non-negative DECIMALs with at most 9 decimals, as
    DECIMAL(38, 18) truncated; null when the denominator is 0. numerator below 1e20. -#}
{% macro growth_decimal_ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('growth_decimal_ratio')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__growth_decimal_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) <> 0 then
        cast(
            floor(cast({{ numerator }} as {{ dbt.type_numeric() }}) * 1000000000000000000 / ({{ denominator }}))
            / 1000000000000000000 as decimal(38, 18)
        )
    end
{%- endmacro %}

{% macro duckdb__growth_decimal_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) <> 0 then
        (
            cast(
                (
                    cast(cast({{ numerator }} as decimal(38, 9)) * 1000000000 as hugeint)
                    * cast(1000000000000000000 as hugeint)
                ) // cast(cast({{ denominator }} as decimal(38, 9)) * 1000000000 as hugeint)
                as decimal(38, 0)
            ) * cast('0.000000000000000001' as decimal(38, 18))
        )
    end
{%- endmacro %}


{#- floor(microseconds x numerator / denominator) as a whole number of microseconds
    (BIGINT): a duration scaled by a ratio of two DECIMAL quantities (at most 9
    decimals, >= 0, denominator > 0). Used for the time a limit is projected to be
    reached: start + elapsed x limit / usage. -#}
{% macro growth_scale_microseconds(microseconds, numerator, denominator) -%}
    {{ return(adapter.dispatch('growth_scale_microseconds')(microseconds, numerator, denominator)) }}
{%- endmacro %}

{% macro default__growth_scale_microseconds(microseconds, numerator, denominator) -%}
    cast(floor(({{ microseconds }}) * cast({{ numerator }} as {{ dbt.type_numeric() }}) / ({{ denominator }})) as bigint)
{%- endmacro %}

{% macro duckdb__growth_scale_microseconds(microseconds, numerator, denominator) -%}
    cast(
        (
            cast({{ microseconds }} as hugeint)
            * cast(cast({{ numerator }} as decimal(38, 9)) * 1000000000 as hugeint)
        ) // cast(cast({{ denominator }} as decimal(38, 9)) * 1000000000 as hugeint)
        as bigint
    )
{%- endmacro %}


{#- ceil(numerator / denominator) for whole numbers (HUGEINT-sized), numerator >= 0,
    denominator > 0, as a whole number. -#}
{% macro growth_ceil_divide_integers(numerator, denominator) -%}
    {{ return(adapter.dispatch('growth_ceil_divide_integers')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__growth_ceil_divide_integers(numerator, denominator) -%}
    ceil(cast({{ numerator }} as {{ dbt.type_numeric() }}) / ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__growth_ceil_divide_integers(numerator, denominator) -%}
    (
        (cast({{ numerator }} as hugeint) + cast({{ denominator }} as hugeint) - 1)
        // cast({{ denominator }} as hugeint)
    )
{%- endmacro %}


{#- timestamp + a whole number of microseconds (BIGINT: spans of months do not fit the
    32-bit count DuckDB multiplies intervals by). -#}
{% macro growth_add_microseconds(timestamp, microseconds) -%}
    {{ return(adapter.dispatch('growth_add_microseconds')(timestamp, microseconds)) }}
{%- endmacro %}

{% macro default__growth_add_microseconds(timestamp, microseconds) -%}
    {{ dbt.dateadd('microsecond', microseconds, timestamp) }}
{%- endmacro %}

{% macro duckdb__growth_add_microseconds(timestamp, microseconds) -%}
    ({{ timestamp }} + to_microseconds(cast({{ microseconds }} as bigint)))
{%- endmacro %}


{#- The gauge integral, in nano-value-microseconds (see usage_gauge_integral), at which
    a time-weighted metric's usage to date reaches threshold_pct % of `limit_quantity`:
    quantity = integral / (1e15 x unit_divisor x period_seconds) >= pct / 100 x limit
    <=> integral >= pct x limit x divisor x period_seconds x 1e13, rounded up
    (integrals at whole microseconds are whole numbers). Below 1e38 for limits up to
    1e8 GB-months. -#}
{% macro growth_gauge_target_integral(threshold_pct, limit_quantity, unit_divisor, period_seconds) -%}
    {{ return(adapter.dispatch('growth_gauge_target_integral')(threshold_pct, limit_quantity, unit_divisor, period_seconds)) }}
{%- endmacro %}

{% macro default__growth_gauge_target_integral(threshold_pct, limit_quantity, unit_divisor, period_seconds) -%}
    cast(ceil(
        cast({{ threshold_pct }} as {{ dbt.type_numeric() }}) * ({{ limit_quantity }}) * ({{ unit_divisor }})
        * ({{ period_seconds }}) * 10000000000000
    ) as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__growth_gauge_target_integral(threshold_pct, limit_quantity, unit_divisor, period_seconds) -%}
    cast(
        (
            cast({{ threshold_pct }} as hugeint)
            * cast(cast({{ limit_quantity }} as decimal(38, 9)) * 1000000000 as hugeint)
            * cast(cast({{ unit_divisor }} as decimal(38, 9)) * 1000000000 as hugeint)
            * cast({{ period_seconds }} as hugeint)
            + cast(99999 as hugeint)
        ) // cast(100000 as hugeint)
        as decimal(38, 0)
    )
{%- endmacro %}


{#- The whole microseconds after a gauge piece's start at which the segment's integral
    reaches `target`: ceil((target - integral_before) / (value x 1e9)), as BIGINT.
    target > integral_before >= 0 and value > 0. -#}
{% macro growth_gauge_microseconds_to_reach(target, integral_before, gauge_value) -%}
    {{ return(adapter.dispatch('growth_gauge_microseconds_to_reach')(target, integral_before, gauge_value)) }}
{%- endmacro %}

{% macro default__growth_gauge_microseconds_to_reach(target, integral_before, gauge_value) -%}
    cast(ceil(
        (cast({{ target }} as {{ dbt.type_numeric() }}) - ({{ integral_before }}))
        / (cast({{ gauge_value }} as {{ dbt.type_numeric() }}) * 1000000000)
    ) as bigint)
{%- endmacro %}

{% macro duckdb__growth_gauge_microseconds_to_reach(target, integral_before, gauge_value) -%}
    cast(
        (
            cast({{ target }} as hugeint) - cast({{ integral_before }} as hugeint)
            + cast(cast({{ gauge_value }} as decimal(38, 9)) * 1000000000 as hugeint) - 1
        ) // cast(cast({{ gauge_value }} as decimal(38, 9)) * 1000000000 as hugeint)
        as bigint
    )
{%- endmacro %}


{#- round half-up of sum(weight_i x numerator_i / denominator_i), exactly, as an
    integer: the health score (metrics.md, Customer health). Each term is a dict
    {weight, numerator, denominator}: weights DECIMALs with at most 4 decimals, >= 0;
    numerators whole numbers >= 0 and denominators whole numbers > 0 (a component
    score as a fraction). With D the product of the denominators and W_i = weight_i x
    1e4, the sum is N / (1e4 x D) where N = sum(W_i x numerator_i x D / denominator_i),
    and round half-up is (2N + 1e4 x D) div (2 x 1e4 x D): no decimal truncation can
    turn an exact half (say 1/3 + 1/6) into one below it. -#}
{% macro growth_weighted_score_half_up(terms) -%}
    {%- set hugeint = {'duckdb': 'hugeint', 'spark': 'decimal(38, 0)'}.get(target.type, dbt.type_numeric()) -%}
    {%- set denominator_product -%}
        ({% for term in terms %}cast({{ term.denominator }} as {{ hugeint }}){% if not loop.last %} * {% endif %}{% endfor %})
    {%- endset -%}
    {%- set numerator_sum -%}
        (
        {%- for term in terms %}
            cast(cast({{ term.weight }} as decimal(38, 4)) * 10000 as {{ hugeint }})
            * cast({{ term.numerator }} as {{ hugeint }})
            {%- for other in terms if other is not sameas term %}
            * cast({{ other.denominator }} as {{ hugeint }})
            {%- endfor %}
            {% if not loop.last %}+{% endif %}
        {%- endfor %}
        )
    {%- endset -%}
    {%- if target.type == 'duckdb' -%}
    cast(
        (2 * {{ numerator_sum }} + 10000 * {{ denominator_product }})
        // (2 * 10000 * {{ denominator_product }})
        as integer
    )
    {%- elif target.type == 'spark' -%}
    cast({{ spark_whole_quotient(
        'cast(2 * ' ~ numerator_sum ~ ' + 10000 * ' ~ denominator_product ~ ' as decimal(38, 0))',
        'cast(2 * 10000 * ' ~ denominator_product ~ ' as decimal(38, 0))'
    ) }} as integer)
    {%- else -%}
    cast(floor(
        (2 * {{ numerator_sum }} + 10000 * {{ denominator_product }})
        / (2 * 10000 * {{ denominator_product }})
    ) as integer)
    {%- endif -%}
{%- endmacro %}


{#- The texts of `measure` joined by `delimiter_text` in the order of the expressions
    `order_columns` (a list), within a group. -#}
{% macro listagg_ordered(measure, delimiter_text, order_columns) -%}
    {{ return(adapter.dispatch('listagg_ordered')(measure, delimiter_text, order_columns)) }}
{%- endmacro %}

{% macro default__listagg_ordered(measure, delimiter_text, order_columns) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_columns | join(', ')) }}
{%- endmacro %}


{#- Text to DOUBLE, null when it is not a number: for values only compared with a bound
    (HTTP status codes), never for quantities or money. -#}
{% macro growth_try_parse_double(text) -%}
    {{ return(adapter.dispatch('growth_try_parse_double')(text)) }}
{%- endmacro %}

{% macro default__growth_try_parse_double(text) -%}
    case when trim({{ text }}) ~ '^[+-]?[0-9]+([.][0-9]+)?$' then cast(trim({{ text }}) as {{ dbt.type_float() }}) end
{%- endmacro %}

{% macro duckdb__growth_try_parse_double(text) -%}
    try_cast(nullif(trim({{ text }}), '') as double)
{%- endmacro %}
