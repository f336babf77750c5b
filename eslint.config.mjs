import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '__tests__/fixtures/',
      'bench/.data/',
      '.tmp/',
      // AssemblyScript (its own types and builtins), built by `npm run wasm`.
      'wasm/'
    ]
  },
  js.configs.recommended,
  {
    // k6 scripts run in k6's JavaScript runtime, with its globals.
    files: ['examples/**/*.js', '__tests__/fixtures/**/*.js'],
    languageOptions: {
      globals: {
        __ENV: 'readonly',
        __VU: 'readonly',
        __ITER: 'readonly',
        open: 'readonly'
      }
    }
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly'
      }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      'no-shadow-restricted-names': 'error',
      eqeqeq: ['error', 'smart']
    }
  }
)
