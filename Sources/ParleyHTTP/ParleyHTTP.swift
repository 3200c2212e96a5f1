// ParleyHTTP
