//! The project folder: project.json (versioned schema) + assets/.
