"""All models, imported here so Alembic and the app see the whole schema."""

from webgis.models.catalogue import Material, Pollutant
from webgis.models.enterprise import Enterprise, EnterpriseSubstance
from webgis.models.geo import AdminArea, Place
from webgis.models.incident import Incident, IncidentEvent, IncidentReading, IncidentRevision
from webgis.models.plan import PlanStep, PlanVersion, RiverPlan
from webgis.models.receptors import InterceptionPoint, MonitoringSection, WaterSource
from webgis.models.report import IncidentReport
from webgis.models.resources import Depot, Inventory, RescueTeam
from webgis.models.river import DatasetLayer, Reach, River
from webgis.models.supervision import AuditEntry, Hazard, HazardEvidence
from webgis.models.user import User

__all__ = [
    "AdminArea",
    "AuditEntry",
    "DatasetLayer",
    "Depot",
    "Enterprise",
    "Hazard",
    "HazardEvidence",
    "EnterpriseSubstance",
    "Incident",
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
    "Pollutant",
    "Reach",
    "RescueTeam",
    "River",
    "RiverPlan",
    "User",
    "WaterSource",
]
