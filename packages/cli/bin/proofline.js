#!/usr/bin/env node
// Committed entry point (so npm can link the bin before the build has run).
import '../dist/src/main.js';
