//! Temperatures: conversion and display.

pub mod convert;
pub mod format;
