{#- Wall-clock helpers for billing periods. Timestamps in the warehouse are naive UTC;
    a "local" timestamp is the naive wall-clock time in an IANA zone. DuckDB-only
    syntax (ICU's timezone()) stays behind adapter dispatch. -#}

{#- A naive UTC timestamp as the naive wall-clock time in `tz`. -#}
{% macro utc_to_local(utc_ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local')(utc_ts, tz)) }}
{%- endmacro %}

{% macro duckdb__utc_to_local(utc_ts, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ utc_ts }}))
{%- endmacro %}

{#- The zone's UTC offset (local minus UTC, an interval) in force at a UTC instant. -#}
{% macro utc_offset_at(utc_ts, tz) -%}
    ({{ utc_to_local(utc_ts, tz) }} - ({{ utc_ts }}))
{%- endmacro %}

{#- A naive wall-clock time in `tz` as a naive UTC timestamp, with an explicit rule
    for the two daylight-saving cases (the rule of RFC 5545 and java.time):
    - a wall-clock time that does not exist (clocks jump forward over it) is read with
      the offset in force before the jump, i.e. moved forward by the jump's length
      (America/New_York 2026-03-08 02:30 becomes 03:30 EDT = 07:30 UTC);
    - a wall-clock time that happens twice (clocks fall back) is its first occurrence
      (America/New_York 2026-11-01 01:30 is 01:30 EDT = 05:30 UTC).
    The offsets "before" and "after" are those in force one day either side, so a
    zone with two transitions within two days is out of scope (none today).
    The rule is written out instead of left to ICU, which picks the second
    occurrence of an ambiguous time and may change between versions.
    The result is monotonic in the wall-clock time, so month-apart local starts can
    never collapse onto or cross each other in UTC. -#}
{% macro local_to_utc(local_ts, tz) -%}
    {%- set offset_before = utc_offset_at('(' ~ local_ts ~ ') - ' ~ interval_days(1), tz) -%}
    {%- set offset_after = utc_offset_at('(' ~ local_ts ~ ') + ' ~ interval_days(1), tz) -%}
    {%- set with_before = '((' ~ local_ts ~ ') - ' ~ offset_before ~ ')' -%}
    {%- set with_after = '((' ~ local_ts ~ ') - ' ~ offset_after ~ ')' -%}
    case
        when {{ utc_to_local(with_before, tz) }} = ({{ local_ts }}) then {{ with_before }}
        when {{ utc_to_local(with_after, tz) }} = ({{ local_ts }}) then {{ with_after }}
        else {{ with_before }}
    end
{%- endmacro %}

{% macro interval_days(days) -%}
    {{ return(adapter.dispatch('interval_days')(days)) }}
{%- endmacro %}

{% macro default__interval_days(days) -%}
    interval '{{ days }} day'
{%- endmacro %}
