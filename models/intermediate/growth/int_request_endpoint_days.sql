{#- One row per customer, UTC day and endpoint with requests: the accepted request
    events (growth_settings.request_event_type, api.request) at or before the as-of
    time, counted with their errors (status 400 and above; a missing or non-numeric
    status is a success, metrics.md). A request without an endpoint is counted under
    endpoint null (it counts as a request, not as an endpoint). The base of the
    behaviour segments and the health score, which need distinct endpoints over
    windows (not additive over days). -#}

with events as (
    select * from {{ ref('int_usage_events') }}
    where event_type = {{ growth_setting('request_event_type', dbt.type_string()) }}
        and event_at <= {{ as_of() }}
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
