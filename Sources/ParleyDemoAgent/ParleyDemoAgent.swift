// ParleyDemoAgent
