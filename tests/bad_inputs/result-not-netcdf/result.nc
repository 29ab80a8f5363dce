emissions,2024
1,2
