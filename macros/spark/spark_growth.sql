{#- Spark implementations of the growth and revenue arithmetic
    (macros/growth/growth_arithmetic.sql, macros/revenue/revenue.sql): the same whole
    numbers as DuckDB's 128-bit integers, on DECIMAL(38, 0) with the floor divisions of
    macros/spark/spark_usage.sql. Operands are >= 0 unless stated. -#}

{% macro spark__growth_iso_utc(timestamp) -%}
    date_format({{ timestamp }}, "yyyy-MM-dd'T'HH:mm:ss'Z'")
{%- endmacro %}

{#- whole part of quantity x numerator / denominator, then 9 more decimals of the
    remainder: each step below 1e38, as on DuckDB. -#}
{% macro spark__growth_quantity_ratio(quantity, numerator, denominator) -%}
    {%- set a -%}cast({{ spark_nano(quantity) }} * cast({{ numerator }} as bigint) as decimal(38, 0)){%- endset -%}
    {%- set b -%}cast({{ denominator }} as bigint){%- endset -%}
    {%- set remainder -%}cast(({{ a }} % cast({{ b }} as decimal(20, 0))) * 1000000000 as decimal(38, 0)){%- endset -%}
    {{ spark_scaled(
        'cast(' ~ spark_whole_quotient(a, b, 20) ~ ' * 1000000000 + ' ~ spark_whole_quotient(remainder, b, 20) ~ ' as decimal(38, 0))',
        18
    ) }}
{%- endmacro %}

{% macro spark__growth_decimal_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) <> 0 then
        {{ spark_scaled(
            spark_whole_quotient('cast(' ~ spark_nano(numerator) ~ ' * 1000000000000000000 as decimal(38, 0))', spark_nano(denominator)),
            18
        ) }}
    end
{%- endmacro %}

{% macro spark__growth_scale_microseconds(microseconds, numerator, denominator) -%}
    {%- set a -%}cast(cast({{ microseconds }} as bigint) * {{ spark_nano(numerator) }} as decimal(38, 0)){%- endset -%}
    cast({{ spark_whole_quotient(a, spark_nano(denominator)) }} as bigint)
{%- endmacro %}

{% macro spark__growth_ceil_divide_integers(numerator, denominator) -%}
    {%- set a -%}cast(cast({{ numerator }} as decimal(38, 0)) + cast({{ denominator }} as decimal(38, 0)) - 1 as decimal(38, 0)){%- endset -%}
    {{ spark_whole_quotient(a, denominator) }}
{%- endmacro %}

{% macro spark__growth_add_microseconds(timestamp, microseconds) -%}
    timestamp_micros(unix_micros({{ timestamp }}) + cast({{ microseconds }} as bigint))
{%- endmacro %}

{% macro spark__growth_gauge_target_integral(threshold_pct, limit_quantity, unit_divisor, period_seconds) -%}
    {%- set a -%}
        cast(
            cast({{ threshold_pct }} as decimal(38, 0)) * {{ spark_nano(limit_quantity) }}
            * {{ spark_nano(unit_divisor) }} * cast({{ period_seconds }} as bigint) + 99999
            as decimal(38, 0)
        )
    {%- endset -%}
    {{ spark_whole_quotient(a, '100000', 6) }}
{%- endmacro %}

{% macro spark__growth_gauge_microseconds_to_reach(target, integral_before, gauge_value) -%}
    {%- set b = spark_nano(gauge_value) -%}
    {%- set a -%}
        cast(cast({{ target }} as decimal(38, 0)) - cast({{ integral_before }} as decimal(38, 0)) + {{ b }} - 1 as decimal(38, 0))
    {%- endset -%}
    cast({{ spark_whole_quotient(a, b) }} as bigint)
{%- endmacro %}

{% macro spark__growth_try_parse_double(text) -%}
    try_cast(nullif(trim({{ text }}), '') as double)
{%- endmacro %}

{#- amount (any sign) x numerator / denominator truncated toward zero at 9 decimals;
    the operands are whole numbers, or DECIMALs with 9 decimals (operand_scale 9). -#}
{% macro spark__revenue_prorate(amount, numerator, denominator, operand_scale=0) -%}
    {%- if operand_scale == 9 -%}
        {%- set num = spark_nano(numerator) -%}
        {%- set den = spark_nano(denominator) -%}
    {%- else -%}
        {%- set num = 'cast(' ~ numerator ~ ' as decimal(38, 0))' -%}
        {%- set den = 'cast(' ~ denominator ~ ' as decimal(38, 0))' -%}
    {%- endif -%}
    {%- set a -%}cast({{ spark_nano('abs(' ~ amount ~ ')') }} * {{ num }} as decimal(38, 0)){%- endset -%}
    cast(
        (case when {{ amount }} < 0 then -1 else 1 end) * {{ spark_scaled(spark_whole_quotient(a, den), 9) }}
        as decimal(38, 9)
    )
{%- endmacro %}

{#- numerator / denominator rounded half-up at 6 decimals, on values x 1e10. -#}
{% macro spark__revenue_ratio(numerator, denominator) -%}
    {%- set n -%}cast(cast({{ numerator }} as decimal(38, 10)) * 10000000000 as decimal(38, 0)){%- endset -%}
    {%- set d -%}cast(cast({{ denominator }} as decimal(38, 10)) * 10000000000 as decimal(38, 0)){%- endset -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast(
            {{ spark_scaled(spark_whole_quotient(
                'cast(' ~ n ~ ' * 2000000 + ' ~ d ~ ' as decimal(38, 0))',
                'cast(2 * ' ~ d ~ ' as decimal(38, 0))'
            ), 6) }}
            as decimal(18, 6)
        )
    end
{%- endmacro %}


{#- An ordered list of texts joined by a delimiter: Spark's collect_list has no order,
    so the items are sorted as structs of (order keys..., item). -#}
{% macro spark__listagg_ordered(measure, delimiter_text, order_columns) -%}
    array_join(
        transform(
            array_sort(collect_list(struct(
                {%- for column in order_columns %}{{ column }} as order_{{ loop.index }}, {% endfor -%}
                {{ measure }} as item
            ))),
            entry -> entry.item
        ),
        {{ delimiter_text }}
    )
{%- endmacro %}
