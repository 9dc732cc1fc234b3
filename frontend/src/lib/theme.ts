// The page's colour theme: "system" lets CSS follow prefers-color-scheme;
// "light" and "dark" force one.
export function applyTheme(theme: string): void {
  document.documentElement.dataset.theme = theme === 'light' || theme === 'dark' ? theme : 'system'
}
