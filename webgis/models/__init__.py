"""All models, imported here so Alembic and the app see the whole schema."""

from webgis.models.catalogue import Material, Pollutant
from webgis.models.enterprise import Enterprise, EnterpriseSubstance
from webgis.models.geo import AdminArea, Place
from webgis.models.incident import Incident, IncidentEvent, IncidentReading, IncidentRevision
from webgis.models.plan import PlanStep, RiverPlan
from webgis.models.receptors import InterceptionPoint, MonitoringSection, WaterSource
from webgis.models.resources import Depot, Inventory, RescueTeam
from webgis.models.river import DatasetLayer, Reach, River
from webgis.models.scenario import Scenario
from webgis.models.screening import ScreeningHit, ScreeningJob, ScreeningSpill
from webgis.models.user import User

__all__ = [
    "AdminArea",
    "DatasetLayer",
    "Depot",
    "Enterprise",
    "EnterpriseSubstance",
    "Incident",
    "IncidentEvent",
    "IncidentReading",
    "IncidentRevision",
    "InterceptionPoint",
    "Inventory",
    "Material",
    "MonitoringSection",
    "Place",
    "PlanStep",
    "Pollutant",
    "Reach",
    "RescueTeam",
    "River",
    "RiverPlan",
    "Scenario",
    "ScreeningHit",
    "ScreeningJob",
    "ScreeningSpill",
    "User",
    "WaterSource",
]
