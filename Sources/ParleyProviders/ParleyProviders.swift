// ParleyProviders
