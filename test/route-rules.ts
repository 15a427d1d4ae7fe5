export const ROUTE_RULES: Record<string, string> = {}
