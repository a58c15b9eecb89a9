{#- Band lower bounds increase strictly within every card version: each band starts
    where the previous one ended (up_to), and only the last band may be open-ended.
    Returns the offending bands. -#}

with rate_card_bands as (
    select * from {{ ref('int_rate_card_bands') }}
),

ordered as (
    select
        rate_card_bands.rate_card_id,
        rate_card_bands.effective_from,
        rate_card_bands.band_index,
        rate_card_bands.is_last_band,
        rate_card_bands.lower_bound,
        rate_card_bands.up_to,
        lag(rate_card_bands.lower_bound) over (
            partition by rate_card_bands.rate_card_id, rate_card_bands.effective_from
            order by rate_card_bands.band_index
        ) as previous_lower_bound
    from rate_card_bands
),

final as (
    select
        ordered.rate_card_id,
        ordered.effective_from,
        ordered.band_index,
        ordered.lower_bound,
        ordered.previous_lower_bound,
        ordered.up_to
    from ordered
    where
        -- a band after an open-ended band has no lower bound
        ordered.lower_bound is null
        or ordered.lower_bound <= ordered.previous_lower_bound
        or ordered.up_to <= ordered.lower_bound
)

select * from final
