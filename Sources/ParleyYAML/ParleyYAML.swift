// ParleyYAML
