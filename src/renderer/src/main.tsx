import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { BerthProvider } from './api/context';
import { createTransport } from './api/create-transport';
import './styles.css';

const transport = createTransport();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BerthProvider transport={transport}>
      <App />
    </BerthProvider>
  </StrictMode>,
);
