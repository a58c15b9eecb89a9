"""Resources every asset shares: the warehouse settings and the dbt CLI."""

import dagster as dg

from orchestration.lib.dbt_project import dbt_resource
from orchestration.lib.resources import WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()})
