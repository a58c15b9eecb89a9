{#- A quantity (band bound, included quantity, soft limit) scaled by a segment's share
    of its billing period (billing-rules.md, plan changes), as DECIMAL(38, 9).
    The share is rounded to 15 decimals (under a nanosecond of a month) so that the
    product's scale (9 + 15) still leaves 14 integer digits inside DECIMAL(38). -#}
{% macro scale_by_share(quantity, share) -%}
    cast(cast({{ quantity }} as decimal(38, 9)) * cast({{ share }} as decimal(38, 15)) as decimal(38, 9))
{%- endmacro %}

{#- A money amount (a band's flat fee) scaled by a segment's share, unrounded, as DECIMAL(38, 18). -#}
{% macro scale_amount_by_share(amount, share) -%}
    cast(cast({{ amount }} as decimal(38, 9)) * cast({{ share }} as decimal(38, 15)) as decimal(38, 18))
{%- endmacro %}
