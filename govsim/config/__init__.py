"""What a run is made of: scenario and population files, schedules, the parameter table."""
