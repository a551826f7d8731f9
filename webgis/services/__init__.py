"""Use cases: one function per use case, each opening and ending its own unit of work
(`webgis.services.uow`); settings come as arguments (`webgis.config.Settings`), never from
`current_app`. Read rows -> build the core's inputs -> call the core -> persist/return."""
