{#- Personal data (landing contract: e-mails never reach marts in clear; issue 9: IPs
    in event data are dropped). See docs/decisions.md, "Reliability and security". -#}

{#- The key of the e-mail hash: env USAGE_BILLING_PII_KEY. The default is a published
    development key for the sample data only: production must set its own secret. -#}
{% macro pii_key() -%}
    {#- read only when compiling to run: a read at parse time would make dbt re-parse
        every model hashing e-mails whenever the key changes -#}
    {{ return(env_var('USAGE_BILLING_PII_KEY', 'usage-billing-dev-pii-key-not-secret') if execute else '') }}
{%- endmacro %}

{#- A keyed hash of an e-mail (trimmed, lower-case): sha256(key || '|' || e-mail).
    Without the key, a hash cannot be reversed by hashing a list of known addresses.
    The key appears in the compiled SQL, so a model using this macro must be a table,
    never a view (a view would store the key in the warehouse catalog). -#}
{% macro hash_email(email) -%}
    {{ return(adapter.dispatch('hash_email')(email)) }}
{%- endmacro %}

{% macro duckdb__hash_email(email) -%}
    case
        when nullif(trim({{ email }}), '') is not null
            then sha256('{{ pii_key() | replace("'", "''") }}' || '|' || lower(trim({{ email }})))
    end
{%- endmacro %}

{#- Raw landing text with e-mail addresses and IPv4/IPv6 addresses replaced by a
    marker, for the raw records kept in marts (the quarantine ledger). -#}
{% macro redact_personal_data(text) -%}
    {{ return(adapter.dispatch('redact_personal_data')(text)) }}
{%- endmacro %}

{% macro duckdb__redact_personal_data(text) -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                {{ text }},
                '[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+', '<email redacted>', 'g'
            ),
            '\b(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\b',
            '<ip redacted>', 'g'
        ),
        '(^|[^0-9A-Za-z:])(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*)($|[^0-9A-Za-z:])',
        '\1<ip redacted>\4', 'g'
    )
{%- endmacro %}

{#- The event properties that carry an IP address: dropped from `data` in staging. -#}
{% macro ip_properties() -%}
    {{ return(['ip', 'ip_address', 'client_ip', 'remote_ip', 'remote_addr', 'source_ip', 'user_ip', 'x_forwarded_for', 'x-forwarded-for']) }}
{%- endmacro %}

{#- A CloudEvents `data` value without its IP properties (top level; other values as is). -#}
{% macro without_ip_properties(data_json) -%}
    {{ return(adapter.dispatch('without_ip_properties')(data_json)) }}
{%- endmacro %}

{#- The text test first: nearly no event has such a property, and json_merge_patch costs
    about 5 s per million rows here, the substring test a fraction of that. Every key
    of ip_properties() contains 'ip', 'addr' or 'forwarded'. -#}
{% macro duckdb__without_ip_properties(data_json) -%}
    case
        when not (
            contains(cast({{ data_json }} as varchar), 'ip')
            or contains(cast({{ data_json }} as varchar), 'addr')
            or contains(cast({{ data_json }} as varchar), 'forwarded')
        )
            then {{ data_json }}
        when {{ json_kind(data_json) }} = 'OBJECT'
            then json_merge_patch(
                {{ data_json }},
                '{ {%- for key in ip_properties() %}"{{ key }}": null{{ "," if not loop.last }}{% endfor -%} }'
            )
        else {{ data_json }}
    end
{%- endmacro %}
