-- The health score is a weighted sum on a 0-100 scale: its weights must add up to exactly 1.
select sum(weight) as total_weight
from {{ ref('health_components') }}
having sum(weight) <> 1
