{#- Spark implementations of the exact arithmetic (macros/usage/usage_arithmetic.sql,
    macros/periods/exact_ratio.sql). DuckDB works in 128-bit integers (hugeint, `//`);
    Spark has no integer wider than 64 bits and its `div` returns one, so the same
    nano-unit integers are DECIMAL(38, 0) here, and a floor division takes the
    remainder off first: (a - a % b) / b divides exactly. The profile turns off
    Spark's silent rounding of decimal results (allowPrecisionLoss = false): a value
    that does not fit is an error, never a rounded amount. -#}

{#- floor(a / b) for whole decimals a >= 0 (below 1e38) and b > 0 (below
    10^b_digits), as DECIMAL(38, 0). Spark types a quotient of DECIMAL(38, 0) by
    DECIMAL(p, 0) with fewer integer digits the wider p is (28 for p = 20, 26 for
    p = 25, 20 for p = 38), so b is cast to the narrowest type that holds it. -#}
{% macro spark_whole_quotient(a, b, b_digits=25) -%}
    {%- set divisor -%}cast({{ b }} as decimal({{ b_digits }}, 0)){%- endset -%}
    cast((({{ a }}) - ({{ a }}) % {{ divisor }}) / {{ divisor }} as decimal(38, 0))
{%- endmacro %}

{#- A decimal with at most 9 decimals as a whole number of nano-units, DECIMAL(38, 0). -#}
{% macro spark_nano(value) -%}
    cast(cast({{ value }} as decimal(38, 9)) * 1000000000 as decimal(38, 0))
{%- endmacro %}

{#- A whole number of units of 10^-scale as DECIMAL(38, scale). -#}
{% macro spark_scaled(whole, scale) -%}
    cast(({{ whole }}) * cast('{{ "0." ~ "0" * (scale - 1) ~ "1" }}' as decimal(38, {{ scale }})) as decimal(38, {{ scale }}))
{%- endmacro %}

{#- A member named by a column: variant paths must be constants in Spark, JSON paths
    need not be, so the VARIANT is read as JSON text. -#}
{% macro spark__usage_json_member_text(json_column, key_column) -%}
    get_json_object(to_json({{ json_column }}), concat('$[\'', {{ key_column }}, '\']'))
{%- endmacro %}

{#- floor(numerator / denominator) at 9 decimals: in nano-units a = numerator x 1e18
    and b = denominator x 1e9, whole numbers below 1e38. -#}
{% macro spark__usage_floor_divide(numerator, denominator) -%}
    {%- set a -%}cast({{ spark_nano(numerator) }} * 1000000000 as decimal(38, 0)){%- endset -%}
    {%- set b = spark_nano(denominator) -%}
    {{ spark_scaled(spark_whole_quotient(a, b), 9) }}
{%- endmacro %}

{% macro spark__exact_ratio(amount, numerator, denominator) -%}
    {%- set a -%}cast(cast(cast({{ amount }} as decimal(38, 4)) * 10000 as decimal(38, 0)) * cast({{ numerator }} as bigint) * 100000000000000 as decimal(38, 0)){%- endset -%}
    {#- the denominator is seconds (a bigint): 20 digits leave the quotient 28 -#}
    {{ spark_scaled(spark_whole_quotient(a, denominator, 20), 18) }}
{%- endmacro %}

{#- dbt-spark's datediff in microseconds reads the fraction out of the timestamp's text
    and fails on a whole second (no fraction to read); unix_micros is exact. -#}
{% macro spark__usage_microseconds_between(start_at, end_at) -%}
    (unix_micros({{ end_at }}) - unix_micros({{ start_at }}))
{%- endmacro %}

{% macro spark__usage_gauge_integral(value, microseconds) -%}
    cast({{ spark_nano(value) }} * cast({{ microseconds }} as bigint) as decimal(38, 0))
{%- endmacro %}

{% macro spark__usage_integral_to_quantity(integral, unit_divisor, period_seconds) -%}
    {%- set a -%}cast(cast({{ integral }} as decimal(38, 0)) * 1000 as decimal(38, 0)){%- endset -%}
    {%- set b -%}cast({{ spark_nano(unit_divisor) }} * cast({{ period_seconds }} as bigint) as decimal(38, 0)){%- endset -%}
    {{ spark_scaled(spark_whole_quotient(a, b), 9) }}
{%- endmacro %}

{% macro spark__usage_integral_to_value_seconds(integral) -%}
    {{ spark_scaled(spark_whole_quotient('cast(' ~ integral ~ ' as decimal(38, 0))', '1000000', 7), 9) }}
{%- endmacro %}


{#- The number of started blocks, ceil(numerator / denominator), exactly: in nano-units
    ceil(a / b) = floor((a + b - 1) / b). Spark's decimal division would round the
    quotient at 18 decimals first, which can hide a remainder below 1e-18. -#}
{% macro spark__ceil_divide(numerator, denominator) -%}
    {%- set b = spark_nano(denominator) -%}
    {%- set a -%}cast({{ spark_nano(numerator) }} + {{ b }} - 1 as decimal(38, 0)){%- endset -%}
    cast({{ spark_whole_quotient(a, b) }} as decimal(38, 9))
{%- endmacro %}
