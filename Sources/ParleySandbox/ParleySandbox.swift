// ParleySandbox
