//! Tests of the respond module.
