//! Tests of the console module.
