{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='request_date',
        on_schema_change='fail',
        pre_hook="{{ delete_days_from(this, 'request_date', as_of_day()) }}",
    )
}}

{#- One row per customer, UTC day and endpoint with requests: the accepted request
    events (growth_settings.request_event_type, api.request) at or before the as-of
    time, counted with their errors (status 400 and above; a missing or non-numeric
    status is a success, metrics.md). A request without an endpoint is counted under
    endpoint null (it counts as a request, not as an endpoint). The base of the
    behaviour segments and the health score, which need distinct endpoints over
    windows (not additive over days).
    Incremental by UTC day: a run recomputes the days whose accepted requests at or
    before the as-of time changed since the last build (changed_days(): their count
    differs from the stored request_count) and the as-of day, and replaces them
    (delete+insert on request_date). Its pre-hook deletes the as-of day and the days
    after it: an as-of time moved back leaves days that have no requests any more,
    which no insert would replace (accepted events are only ever added, so only the
    as-of time takes requests away). The first build or a full refresh reads every
    day. -#}

{#- the requests counted: one filter for the model and its changed-day comparison -#}
{%- set is_counted_request -%}
    event_type = {{ growth_setting('request_event_type', dbt.type_string()) }}
        and event_at <= {{ as_of() }}
{%- endset %}

with events as (
    select * from {{ ref('int_usage_events') }}
    where {{ is_counted_request }}
    {% if is_incremental() -%}
    {%- set requests -%}
        (select event_at from {{ ref('int_usage_events') }} where {{ is_counted_request }})
    {%- endset %}
        and {{ changed_day_filter('event_at', requests, 'event_at', 'request_date', 'request_count', also_days=[as_of_day()]) }}
    {%- endif %}
),

parsed as (
    select
        events.customer_id,
        cast({{ dbt.date_trunc('day', 'events.event_at') }} as date) as request_date,
        nullif({{ json_text('events.data_json', 'endpoint') }}, '') as endpoint,
        -- only compared with 400: a DOUBLE is exact for status codes, and parsing text to
        -- DECIMAL(38, 9) is about 30 times slower on DuckDB
        {{ growth_try_parse_double(json_text('events.data_json', 'status_code')) }} as status_code
    from events
),

final as (
    select
        parsed.customer_id,
        parsed.request_date,
        parsed.endpoint,
        cast(count(*) as bigint) as request_count,
        cast(sum(case when parsed.status_code >= 400 then 1 else 0 end) as bigint) as error_request_count
    from parsed
    group by parsed.customer_id, parsed.request_date, parsed.endpoint
)

select * from final
