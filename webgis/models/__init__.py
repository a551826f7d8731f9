"""All models, imported here so Alembic and the app see the whole schema."""

from webgis.models.alerts import AlertContact, IncidentAlert
from webgis.models.catalogue import Material, Pollutant
from webgis.models.dispatch import Dispatch, DispatchLine, PlanTick, TeamMember
from webgis.models.drill import Drill
from webgis.models.enterprise import Enterprise, EnterpriseSubstance
from webgis.models.geo import AdminArea, Place
from webgis.models.incident import Incident, IncidentEvent, IncidentReading, IncidentRevision
from webgis.models.plan import PlanStep, PlanVersion, RiverPlan
from webgis.models.receptors import InterceptionPoint, MonitoringSection, WaterSource
from webgis.models.report import IncidentReport
from webgis.models.resources import Depot, Inventory, RescueTeam
from webgis.models.river import DatasetLayer, Reach, River
from webgis.models.scenario import Scenario, ScenarioPath
from webgis.models.screening import ScreeningHit, ScreeningJob, ScreeningSpill
from webgis.models.supervision import AuditEntry, Hazard, HazardEvidence
from webgis.models.user import User

__all__ = [
    "AlertContact",
    "AdminArea",
    "AuditEntry",
    "DatasetLayer",
    "Depot",
    "Dispatch",
    "DispatchLine",
    "Drill",
    "Enterprise",
    "Hazard",
    "HazardEvidence",
    "EnterpriseSubstance",
    "Incident",
    "IncidentAlert",
    "IncidentEvent",
    "IncidentReading",
    "IncidentReport",
    "IncidentRevision",
    "InterceptionPoint",
    "Inventory",
    "Material",
    "MonitoringSection",
    "Place",
    "PlanStep",
    "PlanVersion",
    "PlanTick",
    "Pollutant",
    "Reach",
    "RescueTeam",
    "River",
    "RiverPlan",
    "TeamMember",
    "Scenario",
    "ScenarioPath",
    "ScreeningHit",
    "ScreeningJob",
    "ScreeningSpill",
    "User",
    "WaterSource",
]
