// Core's floors come from Core's own GlobalUsings.cs, linked in by BackfillTools.csproj; the cmdlets add the samples.
global using BackfillTools.Samples;
