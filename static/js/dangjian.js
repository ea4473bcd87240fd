// Dangjian UI shell behaviour.
