{#- Rate quantities through charge bands (billing-rules.md, "Plan catalog" and
    "Plan changes and proration"). Returns a query (`with ... select`) with one row
    per rated item and band, every band of the card, reached or not.

    inputs: a relation or CTE with one row per rated item, keyed by
        (rating_segment_id, metric_code), with `rated_quantity` and `segment_share`;
        every other column is passed through.
    bands: a relation or CTE with the card chosen for each rated item, one row per
        (rating_segment_id, metric_code, band_index), with charge_model, lower_bound
        (the previous band's up_to, 0 for the first), up_to (inclusive, null for an
        open last band), unit_amount, flat_amount, package_size, included_quantity.
    band_columns: further columns of `bands` to pass through (lineage).

    Rules:
    - quantity_after_included = max(rated_quantity - included_quantity x share, 0);
      band bounds and flat fees are scaled by the share too (package sizes are not);
    - the last band is open-ended whatever its up_to says;
    - band_quantity = the part of quantity_after_included inside (lower, upper];
    - billable_units: per_unit and graduated = band_quantity; package = started
      packages of the band's own package size inside the band (a band without a
      package size counts units: a free band); volume = the whole quantity on the
      one band it falls in (the first band at zero), 0 on the others;
    - flat fees: charged when the band is reached (the first band always,
      another when the quantity is above its lower bound); for volume only the
      band that applies charges its flat fee (the bands are alternatives there);
    - amount = billable_units x unit_amount + flat_amount_charged, DECIMAL, unrounded.
    Every step is DECIMAL: no floating point anywhere. -#}
{% macro rate_usage(inputs, bands, band_columns=[]) -%}
    with rating_joined as (
        select
            rating_input.*,
            {%- for column in band_columns %}
            rating_band.{{ column }},
            {%- endfor %}
            rating_band.charge_model,
            rating_band.band_index,
            rating_band.band_index = min(rating_band.band_index) over (
                partition by rating_band.rating_segment_id, rating_band.metric_code
            ) as is_first_band,
            rating_band.band_index = max(rating_band.band_index) over (
                partition by rating_band.rating_segment_id, rating_band.metric_code
            ) as is_last_band,
            cast(rating_band.lower_bound as decimal(38, 9)) as card_lower_bound,
            cast(rating_band.up_to as decimal(38, 9)) as card_up_to,
            cast(coalesce(rating_band.unit_amount, 0) as decimal(38, 9)) as unit_amount,
            cast(coalesce(rating_band.flat_amount, 0) as decimal(38, 9)) as card_flat_amount,
            cast(rating_band.package_size as decimal(38, 9)) as package_size,
            cast(coalesce(rating_band.included_quantity, 0) as decimal(38, 9)) as card_included_quantity
        from {{ inputs }} as rating_input
        inner join {{ bands }} as rating_band
            on rating_input.rating_segment_id = rating_band.rating_segment_id
            and rating_input.metric_code = rating_band.metric_code
    ),

    rating_scaled as (
        select
            rating_joined.*,
            {{ scale_by_share('rating_joined.card_included_quantity', 'rating_joined.segment_share') }}
                as included_quantity,
            {{ scale_by_share('rating_joined.card_lower_bound', 'rating_joined.segment_share') }}
                as band_lower_bound,
            -- a last band with an upper bound is extended to all usage beyond it
            case
                when not rating_joined.is_last_band
                    then {{ scale_by_share('rating_joined.card_up_to', 'rating_joined.segment_share') }}
            end as band_upper_bound,
            {{ scale_amount_by_share('rating_joined.card_flat_amount', 'rating_joined.segment_share') }}
                as flat_amount_scaled
        from rating_joined
    ),

    rating_quantities as (
        select
            rating_scaled.*,
            greatest(
                cast(coalesce(rating_scaled.rated_quantity, 0) as decimal(38, 9)) - rating_scaled.included_quantity,
                cast(0 as decimal(38, 9))
            ) as quantity_after_included
        from rating_scaled
    ),

    rating_banded as (
        select
            rating_quantities.*,
            (
                rating_quantities.is_first_band
                or rating_quantities.quantity_after_included > rating_quantities.band_lower_bound
            ) as is_band_reached,
            cast(
                greatest(
                    least(
                        rating_quantities.quantity_after_included,
                        coalesce(rating_quantities.band_upper_bound, rating_quantities.quantity_after_included)
                    ) - rating_quantities.band_lower_bound,
                    0
                ) as decimal(38, 9)
            ) as band_quantity,
            -- volume: the one band the whole quantity falls in (the first band at zero)
            (
                rating_quantities.charge_model = 'volume'
                and (
                    rating_quantities.is_first_band
                    or rating_quantities.quantity_after_included > rating_quantities.band_lower_bound
                )
                and (
                    rating_quantities.band_upper_bound is null
                    or rating_quantities.quantity_after_included <= rating_quantities.band_upper_bound
                )
            ) as is_volume_band_applied
        from rating_quantities
    ),

    rating_units as (
        select
            rating_banded.*,
            cast(
                case
                    when rating_banded.charge_model = 'volume'
                        then case when rating_banded.is_volume_band_applied then rating_banded.quantity_after_included else 0 end
                    when rating_banded.charge_model = 'package' and rating_banded.package_size is not null
                        then {{ ceil_divide('rating_banded.band_quantity', 'rating_banded.package_size') }}
                    else rating_banded.band_quantity
                end as decimal(38, 9)
            ) as billable_units,
            cast(
                case
                    when rating_banded.charge_model = 'volume' and rating_banded.is_volume_band_applied
                        then rating_banded.flat_amount_scaled
                    when rating_banded.charge_model <> 'volume' and rating_banded.is_band_reached
                        then rating_banded.flat_amount_scaled
                    else 0
                end as decimal(38, 18)
            ) as flat_amount_charged,
            rating_banded.unit_amount = 0 and rating_banded.card_flat_amount = 0 as is_free_band
        from rating_banded
    ),

    rating_amounts as (
        select
            rating_units.*,
            cast(
                rating_units.billable_units * rating_units.unit_amount + rating_units.flat_amount_charged
                as decimal(38, 18)
            ) as amount
        from rating_units
    )

    select * from rating_amounts
{%- endmacro %}
