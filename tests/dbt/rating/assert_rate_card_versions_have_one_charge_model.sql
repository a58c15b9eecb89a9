{{ config(severity='warn') }}

{#- Every band of a card version has the same charge model (the landing contract
    does not say it must; rating uses each band's own model, so a mixed card is
    rated, but it is likely a data-entry error worth a look). -#}

with rate_card_bands as (
    select * from {{ ref('int_rate_card_bands') }}
),

final as (
    select
        rate_card_bands.rate_card_id,
        rate_card_bands.effective_from,
        count(distinct rate_card_bands.charge_model) as charge_models
    from rate_card_bands
    group by rate_card_bands.rate_card_id, rate_card_bands.effective_from
    having count(distinct rate_card_bands.charge_model) > 1
)

select * from final
